# Linking safety, PIN change and reset (issue 17, part A).
register-code-void = Too many wrong codes for this NIK. Its codes are cancelled and the kelurahan is told. Ask for a new code at the kelurahan office, with your KTP.
register-relink-wait = This NIK is already linked to the phone { $phone_masked }. We told that phone. This phone is linked once the kelurahan agrees, or after 24 hours if the owner of the old phone does not refuse.
relink-old-phone = A new phone ({ $phone_masked }) asks to use your data in Gotong. If that is not you, reply BUKAN within 24 hours. This phone keeps working until then.
relink-done-new = This phone is now registered in Gotong. Type MENU to see the options.
relink-done-old = Your data in Gotong now uses the phone { $phone_masked }. This phone is no longer linked. If that is wrong, come to the kelurahan office.
relink-objected = Thank you. The new phone is not linked, and the kelurahan is told.
relink-objected-new = The owner of this data refused to link this phone. Please come to the kelurahan office with your KTP.
relink-none = There is no request to move your data to another phone.
