//! Amounts as residents read them: `Rp25.000` (DESIGN §4, GLOSSARY "Rp").

/// Whole rupiah with a dot before every group of three digits and no decimals:
/// `Rp25.000`, `Rp0`, `Rp1.250.000`, `-Rp5.000`.
pub fn format_rupiah(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(c);
    }
    let sign = if amount < 0 { "-" } else { "" };
    format!("{sign}Rp{grouped}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let cases = [
            (0, "Rp0"),
            (1, "Rp1"),
            (999, "Rp999"),
            (1_000, "Rp1.000"),
            (25_000, "Rp25.000"),
            (100_000, "Rp100.000"),
            (1_250_000, "Rp1.250.000"),
            (1_000_000_000, "Rp1.000.000.000"),
            (-5_000, "-Rp5.000"),
            (-1, "-Rp1"),
            (i64::MAX, "Rp9.223.372.036.854.775.807"),
            (i64::MIN, "-Rp9.223.372.036.854.775.808"),
        ];
        for (amount, want) in cases {
            assert_eq!(format_rupiah(amount), want, "{amount}");
        }
    }

    #[test]
    fn round_trips_through_the_parser() {
        for amount in [1, 999, 1_000, 25_000, 1_250_000, crate::parse::MAX_AMOUNT] {
            assert_eq!(
                crate::parse::parse_amount(&format_rupiah(amount)),
                Ok(amount)
            );
        }
    }
}
