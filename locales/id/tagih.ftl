tagih-not-merchant = TAGIH hanya untuk pedagang terdaftar. Daftar sebagai pedagang di kantor kelurahan.
tagih-ask-phone = Nomor HP warga yang ditagih? (contoh 0812...)
tagih-self = Tidak bisa menagih ke nomor sendiri.
tagih-phone-unknown = Nomor itu belum terdaftar di Gotong.
tagih-ask-amount = Berapa tagihannya? (contoh 25000)
tagih-sent = Tagihan #{ $number } sebesar { $amount_text } dikirim ke { $phone_masked }. Anda diberi tahu saat dibayar.
tagih-declined = Tagihan #{ $number } ({ $amount_text }) ditolak oleh warga.
tagihan-notice = Tagihan #{ $number } dari { $merchant_name } ({ $merchant_code }): { $amount_text }. Untuk membayar, balas TAGIHAN { $number }. Berlaku 24 jam.
tagihan-ask-number = Nomor tagihan berapa?
tagihan-confirm = Tagihan #{ $number } dari { $merchant_name } ({ $merchant_code }): { $amount_text }, dibayar oleh { $payer_name }. Saldo sisa { $balance_after }. Ketik PIN untuk bayar, BATAL untuk menolak.
tagihan-unknown = Tidak ada tagihan #{ $number } yang menunggu untuk HP ini.
tagihan-expired = Tagihan #{ $number } sudah kedaluwarsa. Minta pedagang mengirim lagi.
tagihan-declined = Tagihan ditolak. Pedagang diberi tahu.

# A bill the resident cannot pay now (issue 17): the merchant is told.
tagih-unpaid = Tagihan #{ $number } ({ $amount_text }) belum bisa dibayar warga: saldonya tidak cukup. Tagihan tetap berlaku 24 jam.
tagihan-merchant-told = Pedagang diberi tahu bahwa tagihan ini belum bisa dibayar.
