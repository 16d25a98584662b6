# KEBAIKAN: the kindness record (issue 14).
kindness-record = Kindness record of { $name }: volunteered { $volunteered } times, lent goods { $lent } times, donated { $donated } times, services { $services } times. Thank you!
kindness-empty = The kindness record of { $name } is still empty. Join a KEGIATAN, lend goods, DONASI, or offer a JASA.
kindness-is-public = Your record may be shown in the kelurahan's recognition of residents. Type KEBAIKAN PRIBADI to hide it.
kindness-is-private = Your record is not shown in public. Type KEBAIKAN PUBLIK if it may be shown.
kindness-made-public = Done: your kindness record may be shown in the kelurahan's recognition of residents. Type KEBAIKAN PRIBADI to undo.
kindness-made-private = Done: your kindness record is not shown in public.
