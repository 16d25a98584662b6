# KEBAIKAN: the kindness record (issue 14).
kindness-record = Catatan kebaikan { $name }: ikut kegiatan { $volunteered } kali, meminjamkan barang { $lent } kali, donasi { $donated } kali, jasa { $services } kali. Terima kasih!
kindness-empty = Catatan kebaikan { $name } masih kosong. Ikut KEGIATAN, pinjamkan barang, DONASI, atau tawarkan JASA.
kindness-is-public = Catatan Anda boleh ditampilkan di pengakuan warga kelurahan. Ketik KEBAIKAN PRIBADI untuk menyembunyikannya.
kindness-is-private = Catatan Anda tidak ditampilkan untuk umum. Ketik KEBAIKAN PUBLIK bila boleh ditampilkan.
kindness-made-public = Baik, catatan kebaikan Anda boleh ditampilkan di pengakuan warga kelurahan. Ketik KEBAIKAN PRIBADI untuk membatalkan.
kindness-made-private = Baik, catatan kebaikan Anda tidak ditampilkan untuk umum.
