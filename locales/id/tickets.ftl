# TANYA / ADUAN tickets (issue 17, part A).
ticket-ask-question = Ketik pertanyaan Anda untuk kelurahan.
ticket-ask-complaint = Ketik aduan Anda untuk kelurahan: apa, di mana, sejak kapan.
ticket-opened-question = Pertanyaan Anda dicatat sebagai tiket #{ $number }. Jawaban kelurahan akan dikirim ke HP ini.
ticket-opened-complaint = Aduan Anda dicatat sebagai tiket #{ $number }. Jawaban kelurahan akan dikirim ke HP ini.
ticket-list-header = Tiket Anda yang belum selesai:
ticket-list-line = #{ $number } ({ $state }): { $text }
ticket-status-open = menunggu
ticket-status-answered = sudah dijawab
ticket-answer = Jawaban kelurahan untuk tiket #{ $number }: { $answer }
