broadcast-admins-only = Sorry, broadcasts are for kelurahan, RW or RT admins only.
broadcast-ask-text = { $admin ->
    [kecamatan] Write the broadcast for every kelurahan of your kecamatan. Start with KEL and a kelurahan code (for example KEL 1002) for one kelurahan only.
   *[other] Write the broadcast. Start with RW03 or RW03 RT001 for one area only.
}
broadcast-empty = The broadcast is empty. Write the message to send.
broadcast-out-of-scope = You are an admin of { $scope } and can only broadcast to that area.
broadcast-rt-needs-rw = Name the RW too, for example RW03 RT001.
broadcast-bad-area = Unknown area { $area }. Write it like RW03 or RW03 RT001.
broadcast-no-recipients = There are no recipients in that area (registered residents who have not stopped news). Nothing was sent.
broadcast-sms-too-long = This broadcast also goes by SMS and is too long: cut { $cut } characters.
broadcast-not-gsm7 = These characters cannot be sent by SMS: { $chars }. Remove or replace them.
broadcast-too-long = The broadcast is too long ({ $length } characters, at most 1024): cut { $cut } characters.
broadcast-unreachable = { $count } WhatsApp recipients cannot be reached: no broadcast template is set up.
broadcast-confirm = Broadcast to { $area }: { $recipients } recipients ({ $whatsapp } WhatsApp, { $sms } SMS). Send now?
broadcast-dropped = The broadcast was not sent.
broadcast-queued = Broadcast #{ $id } is queued for { $recipients } recipients. Type BATAL SIARAN { $id } to cancel what has not gone out.
broadcast-cancel-ask = Which broadcast number should be cancelled?
broadcast-cancelled = Broadcast #{ $id } cancelled: { $count } messages will not be sent.
broadcast-not-found = No broadcast with that number was found.
broadcast-finished = That broadcast has finished; there is nothing left to cancel.
broadcast-already-cancelled = That broadcast was already cancelled.
broadcast-unknown-kelurahan = There is no kelurahan { $code } in your kecamatan. Write its 10-digit code or its last 4 digits, for example KEL 1002.
broadcast-area-needs-kelurahan = An RW or RT is inside one kelurahan: name the kelurahan first, for example KEL 1002 RW03.
broadcast-queued-many = Broadcasts { $ids } are queued for { $recipients } recipients in { $count } kelurahan. Type BATAL SIARAN and a number to cancel what has not gone out.
