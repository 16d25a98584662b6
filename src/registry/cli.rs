//! `gotong import registry FILE.csv|FILE.xlsx [--kelurahan CODE] [--dry-run] [--json]`, `gotong
//! import aid FILE.csv`, `gotong export registry [FILE] [--kelurahan CODE]`, `gotong report mutasi|bulanan
//! --month YYYY-MM [FILE]` and `gotong report quality [FILE]`: the registry of the kelurahan with
//! that Kemendagri code, by default the deployment's default kelurahan.
//!
//! Exit status: non-zero when the file cannot be read, is not a registry CSV (wrong header), or
//! the database fails. Rejected rows alone are not a failure: the good households are imported
//! and the rejections are printed (or in the JSON report), for the clerk to fix and import again.

use super::{export_registry_csv, import_registry, ImportOptions, ImportProgress};
use crate::clock::{Clock, SystemClock};
use crate::store::{Db, Kelurahan, KelurahanId};
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::Write;
use std::path::Path;

/// Rejections and warnings printed in the summary; the rest are in `--json`.
const SHOWN: usize = 20;

/// The kelurahan named by `--kelurahan CODE`, or the default one.
async fn kelurahan_named(db: &Db, code: Option<&str>) -> anyhow::Result<Kelurahan> {
    let found = match code.map(str::trim) {
        None | Some("") => db.kelurahan(KelurahanId::DEFAULT).await?,
        Some(code) => db.kelurahan_by_code(code).await?,
    };
    found.with_context(|| {
        format!(
            "no kelurahan with code {:?} on this deployment (add it first: POST /api/kelurahan)",
            code.unwrap_or_default()
        )
    })
}

/// Imports `file` into the kelurahan `kelurahan` (a Kemendagri code; the default kelurahan when
/// `None`), with a progress bar on stderr (hidden when stderr is not a terminal).
pub async fn import_command(
    db: &Db,
    file: &Path,
    kelurahan: Option<&str>,
    dry_run: bool,
    json: bool,
) -> anyhow::Result<()> {
    let kelurahan = kelurahan_named(db, kelurahan).await?;
    let input = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let now_ms = SystemClock.now_ms();
    let opts = ImportOptions {
        dry_run,
        actor: "cli".into(),
        subject: file.file_name().map(|n| n.to_string_lossy().into_owned()),
        now_ms,
        today: crate::calendar::jakarta_date(now_ms),
        kelurahan: kelurahan.id,
    };
    let bar = ProgressBar::new_spinner();
    bar.set_message("memeriksa file…");
    let style = ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} baris ({eta})")
        .map(|s| s.progress_chars("=> "));
    let progress = {
        let bar = bar.clone();
        move |p: ImportProgress| match p {
            ImportProgress::Checked { rows } => {
                bar.set_message(format!(
                    "{rows} baris dibaca, mencocokkan dengan basis data…"
                ));
            }
            ImportProgress::Writing { done, total } => {
                if bar.length() != Some(total) {
                    if let Ok(style) = &style {
                        bar.set_style(style.clone());
                    }
                    bar.set_length(total);
                    bar.set_message("memeriksa dan menyimpan");
                }
                bar.set_position(done);
            }
        }
    };
    let report = import_registry(db, &input, &opts, &progress).await;
    bar.finish_and_clear();
    let report = report?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.summary(SHOWN));
    }
    Ok(())
}

/// `gotong import aid FILE.csv [--kelurahan CODE] [--dry-run] [--json]`: a DTKS/DTSEN or bansos
/// list (`nik,program,periode[,no_kk]`) flags its persons and their households.
pub async fn import_aid_command(
    db: &Db,
    file: &Path,
    kelurahan: Option<&str>,
    dry_run: bool,
    json: bool,
) -> anyhow::Result<()> {
    let kelurahan = kelurahan_named(db, kelurahan).await?;
    let input = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let opts = super::aid::AidOptions {
        kelurahan: kelurahan.id,
        dry_run,
        actor: "cli".into(),
        now_ms: SystemClock.now_ms(),
    };
    let report = super::aid::import_aid(db, &input, &opts).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.summary(SHOWN));
    }
    Ok(())
}

/// `gotong report quality [--kelurahan CODE] [FILE]`: completeness per RW, then every
/// data-quality finding, as text (to `file` or stdout).
pub async fn quality_command(
    db: &Db,
    file: Option<&Path>,
    kelurahan: Option<&str>,
) -> anyhow::Result<()> {
    let kelurahan = kelurahan_named(db, kelurahan).await?.id;
    let today = crate::calendar::jakarta_date(SystemClock.now_ms());
    let text = super::quality::report_text(
        &db.completeness(kelurahan).await?,
        &db.data_quality(kelurahan, today).await?,
    );
    match file {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => print!("{text}"),
    }
    Ok(())
}

/// `gotong report mutasi|bulanan --month YYYY-MM [--kelurahan CODE] [FILE]`: the Buku Mutasi
/// of that month (`mutasi`) or the monthly report for the kecamatan (`bulanan`) as CSV, to `file`
/// or stdout.
pub async fn month_report_command(
    db: &Db,
    what: &str,
    file: Option<&Path>,
    kelurahan: Option<&str>,
    month: &str,
) -> anyhow::Result<()> {
    let month = super::buku_mutasi::Month::parse(month)
        .with_context(|| format!("--month must be YYYY-MM, not {month:?}"))?;
    let kelurahan = kelurahan_named(db, kelurahan).await?.id;
    let mut out = Vec::new();
    if what == "bulanan" {
        super::monthly::write_monthly(db, kelurahan, month, &mut out).await?;
    } else {
        super::buku_mutasi::write_buku_mutasi(db, kelurahan, month, &mut out).await?;
    }
    match file {
        Some(path) => {
            std::fs::write(path, out).with_context(|| format!("cannot write {}", path.display()))?
        }
        None => std::io::stdout().write_all(&out)?,
    }
    Ok(())
}

/// `gotong report induk [FILE] [--kelurahan CODE]`: the Buku Induk Penduduk as CSV, to `file`
/// or stdout.
pub async fn induk_command(
    db: &Db,
    file: Option<&Path>,
    kelurahan: Option<&str>,
) -> anyhow::Result<()> {
    let kelurahan = kelurahan_named(db, kelurahan).await?.id;
    let members = db.registry_members(kelurahan).await?;
    match file {
        Some(path) => {
            let f = std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            let mut w = std::io::BufWriter::new(f);
            super::buku_induk::write_buku_induk(&members, &mut w)?;
            w.flush()?;
        }
        None => {
            let stdout = std::io::stdout();
            super::buku_induk::write_buku_induk(&members, stdout.lock())?;
        }
    }
    eprintln!("{} orang di Buku Induk", members.len());
    Ok(())
}

/// Writes the registry of `kelurahan` (a code; the default kelurahan when `None`) to `file`, or
/// to stdout.
pub async fn export_command(
    db: &Db,
    file: Option<&Path>,
    kelurahan: Option<&str>,
) -> anyhow::Result<()> {
    let kelurahan = kelurahan_named(db, kelurahan).await?.id;
    let summary = match file {
        Some(path) => {
            let f = std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            let mut w = std::io::BufWriter::new(f);
            let s = export_registry_csv(db, kelurahan, &mut w).await?;
            w.flush()?;
            s
        }
        None => {
            let stdout = std::io::stdout();
            export_registry_csv(db, kelurahan, stdout.lock()).await?
        }
    };
    eprintln!(
        "{} KK dan {} orang diekspor ({} meninggal/pindah tidak disertakan)",
        summary.households, summary.persons, summary.left_out
    );
    Ok(())
}
