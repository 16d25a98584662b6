# Starter texts (Bahasa Indonesia, the default). The engine adds the real ones.
# Rules: GSM-7 only, at most 3 SMS segments; amounts arrive formatted (Rp25.000).

hello = Halo { $name }!
balance = Saldo rumah tangga Anda: { $amount }.
pin-tries-left = PIN salah. Sisa { $count } kali percobaan.
cancelled = Dibatalkan. Ketik MENU untuk mulai lagi.
not-understood = Maaf, kami tidak mengerti. Ketik MENU untuk melihat pilihan.
confirm-payment = Bayar { $amount } ke { $merchant-name } ({ $merchant-code })? Balas 1 untuk YA, 2 untuk TIDAK.
    .yes = Ya
    .no = Tidak
