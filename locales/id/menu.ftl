menu-prompt = Menu Gotong. Balas dengan angka:
menu-language = Bahasa / Language
menu-optout = Berhenti info
menu-ask = Tanya kelurahan
menu-change-pin = Ganti PIN
menu-optin = Mulai info
language-prompt = Pilih bahasa / Choose language:
language-id = Bahasa Indonesia
language-en = English
language-done = Bahasa diganti ke Bahasa Indonesia. Ketik MENU untuk melihat pilihan.

# The SMS main menu's groups (one segment) and their sub-menus (issue 17).
menu-group-money = Uang
menu-group-proposals = Usulan
menu-group-market = Pasar
menu-group-data = Data
menu-group-more = Lainnya
menu-money-prompt = Uang. Balas dengan angka:
menu-proposals-prompt = Usulan. Balas dengan angka:
menu-market-prompt = Pasar. Balas dengan angka:
menu-data-prompt = Data. Balas dengan angka:
menu-more-prompt = Lainnya. Balas dengan angka:

# Opt-out asks once (issue 17).
optout-confirm = Berhenti menerima siaran dan berita umum? Balasan, pembayaran, pinjaman dan kabar usulan atau pesanan Anda sendiri tetap dikirim.
optout-kept = Baik, siaran dan berita tetap dikirim.
optout-done = Anda tidak akan menerima siaran dan berita umum lagi. Balasan dan kabar urusan Anda sendiri tetap dikirim. Ketik MULAI untuk menerima lagi.
optin-done = Anda akan menerima siaran dan berita lagi. Ketik BERHENTI untuk berhenti.
