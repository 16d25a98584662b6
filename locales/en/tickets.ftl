# TANYA / ADUAN tickets (issue 17, part A).
ticket-ask-question = Type your question for the kelurahan.
ticket-ask-complaint = Type your complaint for the kelurahan: what, where, since when.
ticket-opened-question = Your question is recorded as ticket #{ $number }. The kelurahan's answer will be sent to this phone.
ticket-opened-complaint = Your complaint is recorded as ticket #{ $number }. The kelurahan's answer will be sent to this phone.
ticket-list-header = Your tickets not yet closed:
ticket-list-line = #{ $number } ({ $state }): { $text }
ticket-status-open = waiting
ticket-status-answered = answered
ticket-answer = The kelurahan's answer to ticket #{ $number }: { $answer }
