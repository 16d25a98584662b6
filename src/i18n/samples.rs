//! Sample values for placeholders, guessed from their names, so that `gotong check` measures each
//! text at the length it will really have (a long name, a seven-digit amount, a full phone).

use super::TextArg;

/// A realistic value for a placeholder, guessed from its name: the longest value it is likely
/// to take, so that the SMS length check is meaningful.
pub fn sample_value(name: &str) -> TextArg {
    let n = name.to_lowercase();
    let words: Vec<&str> = n.split(['-', '_']).collect();
    let has = |keys: &[&str]| keys.iter().any(|k| n.contains(k));
    let word = |keys: &[&str]| keys.iter().any(|k| words.contains(k));
    if has(&["nik"]) {
        TextArg::from("************1234")
    } else if has(&["phone", "telp", "telepon"]) || word(&["hp", "wa"]) {
        TextArg::from("+6281234567890")
    } else if has(&[
        "amount", "jumlah", "saldo", "balance", "price", "harga", "total", "nominal", "biaya",
        "limit", "fee", "dana", "fund",
    ]) || word(&["rp"])
    {
        TextArg::from("Rp1.250.000")
    } else if has(&[
        "date", "tanggal", "tgl", "due", "until", "sampai", "deadline",
    ]) {
        TextArg::from("2026-11-25")
    } else if has(&["time", "jam", "waktu"]) {
        TextArg::from("2026-11-25 14:30")
    } else if has(&["code", "kode"]) {
        TextArg::from("W001")
    } else if word(&["rt", "rw"]) {
        TextArg::from("003")
    } else if has(&[
        "count", "number", "nomor", "qty", "days", "hari", "tries", "sisa", "stock", "stok",
        "page", "halaman", "age", "umur", "usia", "minutes", "menit", "percent", "persen",
    ]) || word(&["n", "no", "id", "num"])
    {
        TextArg::Num(12345)
    } else if has(&["kelurahan", "kecamatan"]) {
        TextArg::from("Kelurahan Karang Anyar Selatan")
    } else if has(&[
        "name", "nama", "merchant", "seller", "penjual", "item", "barang",
    ]) {
        TextArg::from("Siti Nurhaliza Putri")
    } else {
        TextArg::from("abcdefghijklmnopqrst")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_values_by_name() {
        let cases = [
            ("amount", TextArg::from("Rp1.250.000")),
            ("saldo", TextArg::from("Rp1.250.000")),
            ("merchant-name", TextArg::from("Siti Nurhaliza Putri")),
            ("merchant-code", TextArg::from("W001")),
            ("phone", TextArg::from("+6281234567890")),
            ("due-date", TextArg::from("2026-11-25")),
            ("count", TextArg::Num(12345)),
            ("n", TextArg::Num(12345)),
            ("nik", TextArg::from("************1234")),
            ("whatever", TextArg::from("abcdefghijklmnopqrst")),
        ];
        for (name, want) in cases {
            assert_eq!(sample_value(name), want, "{name}");
        }
    }
}
