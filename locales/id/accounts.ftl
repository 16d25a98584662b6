# Linking safety, PIN change and reset (issue 17, part A).
register-code-void = Terlalu banyak kode salah untuk NIK ini. Kode yang ada dibatalkan dan kelurahan diberi tahu. Minta kode baru di kantor kelurahan dengan membawa KTP.
register-relink-wait = NIK ini sudah terhubung ke HP { $phone_masked }. HP itu kami beri tahu. HP ini tersambung setelah kelurahan menyetujui, atau setelah 24 jam bila pemilik HP lama tidak menolak.
relink-old-phone = Ada HP baru ({ $phone_masked }) yang minta memakai data Anda di Gotong. Bila itu bukan Anda, balas BUKAN dalam 24 jam. HP ini tetap bisa dipakai sampai saat itu.
relink-done-new = HP ini sekarang terdaftar di Gotong. Ketik MENU untuk melihat pilihan.
relink-done-old = Data Anda di Gotong sekarang memakai HP { $phone_masked }. HP ini tidak terhubung lagi. Bila itu salah, datang ke kantor kelurahan.
relink-objected = Terima kasih. HP baru itu tidak disambungkan, dan kelurahan diberi tahu.
relink-objected-new = Pemilik data menolak pendaftaran HP ini. Silakan datang ke kantor kelurahan dengan membawa KTP.
relink-none = Tidak ada permintaan pindah HP untuk data Anda.
pin-change-ask-old = Ketik PIN lama Anda (6 angka).
pin-change-done = PIN baru Anda sudah disimpan. PIN lama tidak berlaku lagi.
pin-new-set = PIN baru Anda sudah disimpan.
pin-forgot-sent = Permintaan ganti PIN dikirim ke kelurahan. Datang ke kantor kelurahan dengan membawa KTP. Setelah PIN direset, ketik PIN baru saat diminta PIN.
pin-reset-pending = PIN Anda sudah direset. Saat diminta PIN, ketik PIN baru 6 angka.
pin-reset-done = PIN Gotong Anda sudah direset oleh kelurahan. PIN lama tidak berlaku lagi. Saat diminta PIN berikutnya, ketik PIN baru 6 angka.
pin-new-not-old = Itu PIN lama. Ketik PIN baru 6 angka.
