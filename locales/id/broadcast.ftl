broadcast-admins-only = Maaf, siaran hanya untuk admin kelurahan, RW atau RT.
broadcast-ask-text = { $admin ->
    [kecamatan] Tulis isi siaran untuk semua kelurahan di kecamatan Anda. Awali dengan KEL dan kode kelurahan (misalnya KEL 1002) untuk satu kelurahan saja.
   *[other] Tulis isi siaran. Awali dengan RW03 atau RW03 RT001 untuk satu wilayah saja.
}
broadcast-empty = Isi siaran kosong. Tulis pesan yang akan dikirim.
broadcast-out-of-scope = Anda admin { $scope } dan hanya bisa mengirim siaran ke wilayah itu.
broadcast-rt-needs-rw = Sebutkan RW-nya juga, misalnya RW03 RT001.
broadcast-bad-area = Wilayah { $area } tidak dikenal. Tulis seperti RW03 atau RW03 RT001.
broadcast-no-recipients = Tidak ada penerima di wilayah itu (warga terdaftar yang tidak berhenti info). Siaran tidak dikirim.
broadcast-sms-too-long = Siaran ini juga dikirim lewat SMS dan terlalu panjang: potong { $cut } huruf.
broadcast-not-gsm7 = Karakter ini tidak bisa dikirim lewat SMS: { $chars }. Hapus atau ganti.
broadcast-too-long = Siaran terlalu panjang ({ $length } huruf, paling banyak 1024): potong { $cut } huruf.
broadcast-unreachable = { $count } penerima WhatsApp tidak bisa dijangkau: template siaran belum diatur.
broadcast-confirm = Siaran ke { $area }: { $recipients } penerima ({ $whatsapp } WhatsApp, { $sms } SMS). Kirim sekarang?
broadcast-dropped = Siaran tidak dikirim.
broadcast-queued = Siaran #{ $id } diantrikan untuk { $recipients } penerima. Ketik BATAL SIARAN { $id } untuk membatalkan yang belum terkirim.
broadcast-cancel-ask = Nomor siaran yang akan dibatalkan?
broadcast-cancelled = Siaran #{ $id } dibatalkan: { $count } pesan tidak jadi dikirim.
broadcast-not-found = Siaran dengan nomor itu tidak ditemukan.
broadcast-finished = Siaran itu sudah selesai terkirim; tidak ada yang bisa dibatalkan.
broadcast-already-cancelled = Siaran itu sudah dibatalkan.
broadcast-unknown-kelurahan = Kelurahan { $code } tidak ada di kecamatan Anda. Tulis kode 10 angka atau 4 angka terakhirnya, misalnya KEL 1002.
broadcast-area-needs-kelurahan = RW dan RT ada di dalam satu kelurahan: sebutkan kelurahannya dulu, misalnya KEL 1002 RW03.
broadcast-queued-many = Siaran { $ids } diantrikan untuk { $recipients } penerima di { $count } kelurahan. Ketik BATAL SIARAN dan nomornya untuk membatalkan yang belum terkirim.
