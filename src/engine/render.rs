//! One menu definition, rendered for each channel: numbered text on SMS; reply buttons (≤ 3) or a
//! list (≤ 10 rows) on WhatsApp. Long menus are paged (`0` for the next page).

use crate::message::{Body, Channel, Choice};
use crate::text::gsm7::{sms_segments, MAX_SMS_SEGMENTS};

/// WhatsApp limits (DESIGN §4).
pub const MAX_BUTTONS: usize = 3;
pub const MAX_BUTTON_TITLE: usize = 20;
pub const MAX_LIST_ROWS: usize = 10;
pub const MAX_ROW_TITLE: usize = 24;

/// The id of the "next page" option.
pub const NEXT_PAGE: &str = "0";

/// One option of a rendered menu: `id` is what the resident types or taps (its number).
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub id: String,
    pub label: String,
}

/// A page of a menu: which options it shows and whether more follow.
#[derive(Clone, Debug, PartialEq)]
pub struct Page {
    pub items: Vec<Item>,
    pub has_more: bool,
}

/// Splits `items` into the page `page` (from 0). On WhatsApp a page is at most 10 rows (9 when a
/// "next" row is needed); on SMS as many numbered lines as keep `header` and the page within 3
/// segments.
pub fn page_of(
    channel: Channel,
    header: &str,
    items: &[Item],
    page: usize,
    next_label: &str,
) -> Page {
    let mut start = 0;
    let mut current = 0;
    loop {
        let len = page_len(channel, header, &items[start..], next_label);
        let end = start + len;
        if current == page || end >= items.len() {
            return Page {
                items: items[start..end].to_vec(),
                has_more: end < items.len(),
            };
        }
        start = end;
        current += 1;
    }
}

fn page_len(channel: Channel, header: &str, items: &[Item], next_label: &str) -> usize {
    match channel {
        Channel::WhatsApp => {
            if items.len() <= MAX_LIST_ROWS {
                items.len()
            } else {
                MAX_LIST_ROWS - 1
            }
        }
        Channel::Sms => {
            let all = numbered(header, items, None);
            if sms_segments(&all) <= MAX_SMS_SEGMENTS {
                return items.len();
            }
            let next = Item {
                id: NEXT_PAGE.into(),
                label: next_label.into(),
            };
            let mut n = 1;
            while n < items.len()
                && sms_segments(&numbered(header, &items[..n + 1], Some(&next))) <= MAX_SMS_SEGMENTS
            {
                n += 1;
            }
            n
        }
    }
}

fn numbered(header: &str, items: &[Item], next: Option<&Item>) -> String {
    let mut s = header.to_string();
    for it in items.iter().chain(next) {
        s.push('\n');
        s.push_str(&format!("{}. {}", it.id, it.label));
    }
    s
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('.');
        t
    }
}

/// Renders a page of a menu for `channel`. `button` is the WhatsApp list's open-button text.
pub fn menu_body(
    channel: Channel,
    header: &str,
    page: &Page,
    next_label: &str,
    button: &str,
) -> Body {
    let next = page.has_more.then(|| Item {
        id: NEXT_PAGE.into(),
        label: next_label.into(),
    });
    let all: Vec<&Item> = page.items.iter().chain(next.as_ref()).collect();
    match channel {
        Channel::Sms => Body::text(numbered(header, &page.items, next.as_ref())),
        Channel::WhatsApp if all.len() <= MAX_BUTTONS => Body::Buttons {
            text: header.to_string(),
            buttons: all
                .iter()
                .map(|i| Choice {
                    id: i.id.clone(),
                    title: truncate(&i.label, MAX_BUTTON_TITLE),
                })
                .collect(),
        },
        Channel::WhatsApp => Body::List {
            text: header.to_string(),
            button: truncate(button, MAX_BUTTON_TITLE),
            rows: all
                .iter()
                .map(|i| Choice {
                    id: i.id.clone(),
                    title: truncate(&i.label, MAX_ROW_TITLE),
                })
                .collect(),
        },
    }
}

/// Joins texts into as few SMS-sized messages as possible (each at most 3 segments).
pub fn pack_texts(parts: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in parts.iter().filter(|p| !p.is_empty()) {
        match out.last_mut() {
            Some(last) if sms_segments(&format!("{last}\n{p}")) <= MAX_SMS_SEGMENTS => {
                last.push('\n');
                last.push_str(p);
            }
            _ => out.push(p.clone()),
        }
    }
    out
}

/// A message as a transcript shows it: the text, then `[1] Saldo` per button or `- 1 Saldo` per
/// list row (after `[list: Pilih]`).
pub fn transcript_text(body: &Body) -> String {
    match body {
        Body::Text { text } => text.clone(),
        Body::Buttons { text, buttons } => {
            let mut s = text.clone();
            for b in buttons {
                s.push_str(&format!("\n[{}] {}", b.id, b.title));
            }
            s
        }
        Body::List { text, button, rows } => {
            let mut s = format!("{text}\n[list: {button}]");
            for r in rows {
                s.push_str(&format!("\n- {} {}", r.id, r.title));
            }
            s
        }
        Body::Template {
            name,
            language,
            params,
        } => format!("[template {name} {language}] {}", params.join(" | ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(n: usize) -> Vec<Item> {
        (1..=n)
            .map(|i| Item {
                id: i.to_string(),
                label: format!("Pilihan nomor {i}"),
            })
            .collect()
    }

    #[test]
    fn whatsapp_uses_buttons_then_lists_then_pages() {
        let p = page_of(Channel::WhatsApp, "Menu", &items(3), 0, "Berikutnya");
        assert!(
            matches!(menu_body(Channel::WhatsApp, "Menu", &p, "Berikutnya", "Pilih"), Body::Buttons { ref buttons, .. } if buttons.len() == 3)
        );
        let p = page_of(Channel::WhatsApp, "Menu", &items(10), 0, "Berikutnya");
        assert!(
            matches!(menu_body(Channel::WhatsApp, "Menu", &p, "Berikutnya", "Pilih"), Body::List { ref rows, .. } if rows.len() == 10)
        );
        let p = page_of(Channel::WhatsApp, "Menu", &items(12), 0, "Berikutnya");
        assert_eq!((p.items.len(), p.has_more), (9, true));
        let Body::List { rows, .. } =
            menu_body(Channel::WhatsApp, "Menu", &p, "Berikutnya", "Pilih")
        else {
            panic!("list expected")
        };
        assert_eq!(rows.len(), 10);
        assert_eq!(rows[9].id, "0");
        let p2 = page_of(Channel::WhatsApp, "Menu", &items(12), 1, "Berikutnya");
        assert_eq!(
            (p2.items.len(), p2.has_more, p2.items[0].id.as_str()),
            (3, false, "10")
        );
    }

    #[test]
    fn sms_pages_stay_within_three_segments() {
        let many: Vec<Item> = (1..=60)
            .map(|i| Item {
                id: i.to_string(),
                label: format!("Tenda lipat ukuran besar {i}"),
            })
            .collect();
        let mut page = 0;
        let mut seen = 0;
        loop {
            let p = page_of(Channel::Sms, "Barang tersedia:", &many, page, "Berikutnya");
            let body = menu_body(Channel::Sms, "Barang tersedia:", &p, "Berikutnya", "Pilih");
            assert!(sms_segments(body.main_text()) <= 3, "page {page} too long");
            seen += p.items.len();
            if !p.has_more {
                break;
            }
            assert!(body.main_text().ends_with("0. Berikutnya"));
            page += 1;
        }
        assert_eq!(seen, 60, "every item is on some page");
        assert!(page >= 2);
    }

    #[test]
    fn long_titles_are_cut_for_whatsapp() {
        let it = vec![Item {
            id: "1".into(),
            label: "Sebuah pilihan yang sangat panjang sekali".into(),
        }];
        let p = page_of(Channel::WhatsApp, "M", &it, 0, "n");
        let Body::Buttons { buttons, .. } = menu_body(Channel::WhatsApp, "M", &p, "n", "b") else {
            panic!()
        };
        assert!(buttons[0].title.chars().count() <= MAX_BUTTON_TITLE);
    }

    #[test]
    fn texts_pack_into_sms_sized_messages() {
        let short = vec!["Halo".to_string(), "Apa kabar".to_string()];
        assert_eq!(pack_texts(&short), vec!["Halo\nApa kabar".to_string()]);
        let long = vec!["a".repeat(400), "b".repeat(200)];
        assert_eq!(pack_texts(&long).len(), 2);
    }
}
