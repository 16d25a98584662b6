//! Buku Induk Penduduk (Permendagri 47/2016): the register of residents, one row per person
//! ever registered in the kelurahan, with the registry's fields and the OpenSID coded fields
//! written as their names (`ISLAM`, not `1`); a person who died or moved out stays in the book
//! with `status_dasar` and its day. As CSV for the kelurahan (`gotong report induk [FILE]`,
//! `GET /api/registry/induk`). Like the registry export, it holds full NIKs: officers only.

use super::RegistryError;
use crate::store::RegistryMember;

/// The book's columns before the coded ones (those follow, by their OpenSID names without `_id`).
const FIRST: [&str; 10] = [
    "no_urut",
    "nik",
    "no_kk",
    "nama",
    "jenis_kelamin",
    "tanggal_lahir",
    "shdk",
    "rt",
    "rw",
    "status_tinggal",
];

/// The book's last columns: whether the person is still here, and since when not.
const LAST: [&str; 2] = ["status_dasar", "tanggal_status"];

/// `HIDUP`, or `MATI` / `PINDAH` with the day.
fn status_dasar(m: &RegistryMember) -> (&'static str, &str) {
    match (&m.died_on, &m.moved_out_on) {
        (Some(d), _) => ("MATI", d.as_str()),
        (None, Some(d)) => ("PINDAH", d.as_str()),
        (None, None) => ("HIDUP", ""),
    }
}

/// Writes the book of `members` (registry order) as CSV to `out`.
pub fn write_buku_induk<W: std::io::Write>(
    members: &[RegistryMember],
    out: W,
) -> Result<(), RegistryError> {
    let mut w = csv::Writer::from_writer(out);
    let coded = super::reference::Demographics::default().named();
    let mut header: Vec<&str> = FIRST.to_vec();
    header.extend(
        coded
            .iter()
            .map(|(c, _)| c.strip_suffix("_id").unwrap_or(c)),
    );
    header.extend(LAST);
    w.write_record(&header)?;
    for (i, m) in members.iter().enumerate() {
        let p = &m.person;
        let mut line: Vec<String> = vec![
            (i + 1).to_string(),
            p.nik.clone(),
            p.no_kk.clone(),
            p.name.clone(),
            p.sex.as_str().to_string(),
            p.birth_date.format("%Y-%m-%d").to_string(),
            p.shdk.as_str().to_string(),
            m.rt.clone(),
            m.rw.clone(),
            p.residence.as_str().to_string(),
        ];
        line.extend(
            p.demographics
                .named()
                .iter()
                .map(|(_, name)| name.unwrap_or("").to_string()),
        );
        let (status, on) = status_dasar(m);
        line.push(status.to_string());
        line.push(on.to_string());
        w.write_record(&line)?;
    }
    w.flush()?;
    Ok(())
}
