# Linking safety, PIN change and reset (issue 17, part A).
register-code-void = Terlalu banyak kode salah untuk NIK ini. Kode yang ada dibatalkan dan kelurahan diberi tahu. Minta kode baru di kantor kelurahan dengan membawa KTP.
register-relink-wait = NIK ini sudah terhubung ke HP { $phone_masked }. HP itu kami beri tahu. HP ini tersambung setelah kelurahan menyetujui, atau setelah 24 jam bila pemilik HP lama tidak menolak.
relink-old-phone = Ada HP baru ({ $phone_masked }) yang minta memakai data Anda di Gotong. Bila itu bukan Anda, balas BUKAN dalam 24 jam. HP ini tetap bisa dipakai sampai saat itu.
relink-done-new = HP ini sekarang terdaftar di Gotong. Ketik MENU untuk melihat pilihan.
relink-done-old = Data Anda di Gotong sekarang memakai HP { $phone_masked }. HP ini tidak terhubung lagi. Bila itu salah, datang ke kantor kelurahan.
relink-objected = Terima kasih. HP baru itu tidak disambungkan, dan kelurahan diberi tahu.
relink-objected-new = Pemilik data menolak pendaftaran HP ini. Silakan datang ke kantor kelurahan dengan membawa KTP.
relink-none = Tidak ada permintaan pindah HP untuk data Anda.
