# Starter texts (English). The engine adds the real ones.

hello = Hello { $name }!
balance = Your household balance: { $amount }.
pin-tries-left = { $count ->
    [one] Wrong PIN. { $count } try left.
   *[other] Wrong PIN. { $count } tries left.
}
cancelled = Cancelled. Send MENU to start again.
not-understood = Sorry, we did not understand. Send MENU to see the options.
confirm-payment = Pay { $amount } to { $merchant-name } ({ $merchant-code })? Reply 1 for YES, 2 for NO.
    .yes = Yes
    .no = No
