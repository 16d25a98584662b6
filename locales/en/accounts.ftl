# Linking safety, PIN change and reset (issue 17, part A).
register-code-void = Too many wrong codes for this NIK. Its codes are cancelled and the kelurahan is told. Ask for a new code at the kelurahan office, with your KTP.
register-relink-wait = This NIK is already linked to the phone { $phone_masked }. We told that phone. This phone is linked once the kelurahan agrees, or after 24 hours if the owner of the old phone does not refuse.
relink-old-phone = A new phone ({ $phone_masked }) asks to use your data in Gotong. If that is not you, reply BUKAN within 24 hours. This phone keeps working until then.
relink-done-new = This phone is now registered in Gotong. Type MENU to see the options.
relink-done-old = Your data in Gotong now uses the phone { $phone_masked }. This phone is no longer linked. If that is wrong, come to the kelurahan office.
relink-objected = Thank you. The new phone is not linked, and the kelurahan is told.
relink-objected-new = The owner of this data refused to link this phone. Please come to the kelurahan office with your KTP.
relink-none = There is no request to move your data to another phone.
pin-change-ask-old = Type your old PIN (6 digits).
pin-change-done = Your new PIN is saved. The old PIN no longer works.
pin-new-set = Your new PIN is saved.
pin-forgot-sent = Your request for a new PIN is sent to the kelurahan. Come to the kelurahan office with your KTP. Once the PIN is reset, type a new PIN when asked for the PIN.
pin-reset-pending = Your PIN has been reset. When asked for the PIN, type a new 6-digit PIN.
pin-reset-done = Your Gotong PIN was reset by the kelurahan. The old PIN no longer works. The next time you are asked for the PIN, type a new 6-digit PIN.
pin-new-not-old = That is the old PIN. Type a new 6-digit PIN.
