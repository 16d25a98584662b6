tagih-not-merchant = BILL is for registered merchants only. Register as a merchant at the kelurahan office.
tagih-ask-phone = Phone number of the resident to bill? (for example 0812...)
tagih-self = You cannot bill your own number.
tagih-phone-unknown = That number is not registered with Gotong.
tagih-ask-amount = How much is the bill? (for example 25000)
tagih-sent = Bill #{ $number } of { $amount_text } sent to { $phone_masked }. You will be told when it is paid.
tagih-declined = Bill #{ $number } ({ $amount_text }) was declined by the resident.
tagihan-notice = Bill #{ $number } from { $merchant_name } ({ $merchant_code }): { $amount_text }. To pay, reply TAGIHAN { $number }. Valid 24 hours.
tagihan-ask-number = Which bill number?
tagihan-confirm = Bill #{ $number } from { $merchant_name } ({ $merchant_code }): { $amount_text }, paid by { $payer_name }. Balance after: { $balance_after }. Type your PIN to pay, BATAL to decline.
tagihan-unknown = There is no bill #{ $number } waiting for this phone.
tagihan-expired = Bill #{ $number } has expired. Ask the merchant to send it again.
tagihan-declined = Bill declined. The merchant has been told.

# A bill the resident cannot pay now (issue 17): the merchant is told.
tagih-unpaid = Bill #{ $number } ({ $amount_text }) cannot be paid by the resident yet: their balance is too low. The bill stays valid for 24 hours.
tagihan-merchant-told = The merchant has been told that this bill cannot be paid yet.
