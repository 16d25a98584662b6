//! `CARI`: words folded (lower case, accents off, punctuation as spaces), Indonesian stop-words
//! ignored; a listing matches when one of its words starts with a query word, and ranks by how
//! well its name (then its category) matches. A listing found only by its category (`kue` is a
//! word of the food category) is shown only when no listing's name matches: `CARI kue` finds the
//! cakes, not the rice and the cooking oil.

use crate::store::Listing;

/// Words that say nothing about what is sought.
pub const STOP_WORDS: &[&str] = &[
    "dan", "yang", "di", "ke", "dari", "untuk", "dengan", "atau", "ini", "itu", "ada", "pada",
    "buat", "mau", "saya", "aku", "cari", "jual", "beli", "yg", "utk", "dgn", "the", "and", "for",
    "of", "with", "a", "an",
];

fn fold_char(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => 'a',
        'è' | 'é' | 'ê' | 'ë' | 'ē' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'ī' => 'i',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ō' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' => 'u',
        'ç' => 'c',
        'ñ' => 'n',
        'ý' | 'ÿ' => 'y',
        c => c,
    }
}

/// The words of `s`, folded: lower case, without accents, split on anything not an ASCII
/// letter or digit (Indonesian is written in Latin letters; this keeps echoed queries GSM-7).
pub fn fold(s: &str) -> Vec<String> {
    let folded: String = s
        .chars()
        .flat_map(char::to_lowercase)
        .map(fold_char)
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    folded.split_whitespace().map(String::from).collect()
}

/// The words of a query, without stop-words and repeats.
pub fn query_words(query: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for w in fold(query) {
        if !STOP_WORDS.contains(&w.as_str()) && !words.contains(&w) {
            words.push(w);
        }
    }
    words
}

/// What a listing is found by: ` name words category words ` (spaces around every word, so
/// `LIKE '% word%'` matches the start of a word).
pub fn search_text(name: &str, category_words: &[&str]) -> String {
    let mut words = fold(name);
    words.extend(category_words.iter().map(|w| w.to_string()));
    format!(" {} ", words.join(" "))
}

/// What `CARI` and `CARI JASA` rank: a name, and the folded words it is found by
/// ([`search_text`]).
pub trait Searchable {
    fn name(&self) -> &str;
    fn search_text(&self) -> &str;
    /// Orders equal matches (a listing's or an offer's code).
    fn code(&self) -> String;
}

impl Searchable for Listing {
    fn name(&self) -> &str {
        &self.name
    }
    fn search_text(&self) -> &str {
        &self.search_text
    }
    fn code(&self) -> String {
        self.code.clone()
    }
}

/// How well `found` matches `words`: per word, 4 an exact name word, 3 the start of one, 2 an
/// exact category word, 1 the start of one.
pub fn score(found: &impl Searchable, words: &[String]) -> u32 {
    let name = fold(found.name());
    let all: Vec<&str> = found.search_text().split_whitespace().collect();
    words
        .iter()
        .map(|w| {
            if name.iter().any(|n| n == w) {
                4
            } else if name.iter().any(|n| n.starts_with(w.as_str())) {
                3
            } else if all.contains(&w.as_str()) {
                2
            } else if all.iter().any(|n| n.starts_with(w.as_str())) {
                1
            } else {
                0
            }
        })
        .sum()
}

/// Whether one of the name's words starts with one of `words`.
fn name_matches(found: &impl Searchable, words: &[String]) -> bool {
    let name = fold(found.name());
    words
        .iter()
        .any(|w| name.iter().any(|n| n.starts_with(w.as_str())))
}

/// Orders `found` best first (then by code), dropping what does not match, and the category-only
/// matches when some name matches.
pub fn rank<T: Searchable>(mut found: Vec<T>, words: &[String]) -> Vec<T> {
    found.retain(|l| score(l, words) > 0);
    if found.iter().any(|l| name_matches(l, words)) {
        found.retain(|l| name_matches(l, words));
    }
    found.sort_by(|a, b| {
        score(b, words)
            .cmp(&score(a, words))
            .then_with(|| a.code().cmp(&b.code()))
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(code: &str, name: &str, category: &[&str]) -> Listing {
        Listing {
            code: code.into(),
            merchant: "W001".into(),
            merchant_name: "Warung".into(),
            seller_nik: String::new(),
            name: name.into(),
            price: 1000,
            stock: 1,
            category: "makanan".into(),
            photo: None,
            status: crate::market::ListingStatus::Open,
            rw: "03".into(),
            available: 1,
            search_text: search_text(name, category),
        }
    }

    #[test]
    fn folding_ignores_case_accents_and_punctuation() {
        assert_eq!(fold("Kué  LAPIS-legit!"), vec!["kue", "lapis", "legit"]);
        assert_eq!(fold("Café"), vec!["cafe"]);
        assert!(fold("\u{10B58} 😀").is_empty());
    }

    #[test]
    fn stop_words_and_repeats_are_dropped() {
        assert_eq!(
            query_words("kue dan keripik untuk di rumah KUE"),
            vec!["kue", "keripik", "rumah"]
        );
        assert!(query_words("yang dan di").is_empty());
    }

    #[test]
    fn name_matches_leave_out_category_matches() {
        let stock = || {
            vec![
                listing("L001", "Nasi uduk", &["makanan", "kue"]),
                listing("L002", "Kue lapis", &["makanan"]),
                listing("L003", "Kuenya enak", &["makanan"]),
                listing("L004", "Sabun", &["lainnya"]),
                listing("L005", "Minyak goreng", &["makanan", "kue"]),
            ]
        };
        let codes =
            |found: Vec<Listing>| -> Vec<String> { found.into_iter().map(|l| l.code).collect() };
        // The cakes, not the rice and the oil that share the food category.
        assert_eq!(codes(rank(stock(), &query_words("kue"))), ["L002", "L003"]);
        // Only the category matches: they are what there is.
        assert_eq!(
            codes(rank(stock(), &query_words("makanan"))),
            ["L001", "L002", "L003", "L005"]
        );
    }
}
