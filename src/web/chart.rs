//! Small bar charts drawn as inline SVG on the server: one bar per day, no script, a few hundred
//! bytes each. A charting crate (plotters) was weighed and left: its SVG text needs font
//! metrics from system font libraries, and these charts are only rectangles.

use super::lang::Words;
use super::page::date;
use crate::store::{date_of_day, day_of, DAY_MS};
use maud::{html, Markup};

/// Days a chart shows, ending today.
pub const DAYS: i64 = 30;

/// The first epoch ms of the charts' first day, `DAYS` days ending on `now`'s day.
pub fn since(now: i64) -> i64 {
    let first = day_of(now) - (DAYS - 1);
    first * DAY_MS - crate::calendar::JAKARTA_OFFSET_MS
}

/// `values` by Jakarta day number spread over the `DAYS` days ending on `now`'s day (days
/// without a value are 0).
pub fn by_day(now: i64, values: impl IntoIterator<Item = (i64, i64)>) -> Vec<i64> {
    let first = day_of(now) - (DAYS - 1);
    let mut out = vec![0; DAYS as usize];
    for (day, v) in values {
        if let Some(slot) = usize::try_from(day - first)
            .ok()
            .and_then(|i| out.get_mut(i))
        {
            *slot += v;
        }
    }
    out
}

/// "Figures of 03-12-2026 08:45": when the figures shown were computed (epoch ms).
pub fn as_of(w: &Words, computed_at: i64) -> String {
    w.ta(
        "web-figures-as-of",
        &[("time", crate::calendar::jakarta_time(computed_at / 1000))],
    )
}

/// A captioned bar chart of `series` (one value per day, the last one `now`'s day); `fmt`
/// writes the largest value.
pub fn bars(
    w: &Words,
    caption_id: &str,
    now: i64,
    series: &[i64],
    fmt: fn(i64) -> String,
) -> Markup {
    let max = series.iter().copied().max().unwrap_or(0);
    let n = series.len().max(1) as i64;
    let width = 300;
    let height = 80;
    let bar = width / n;
    let first = date(since(now));
    let last = date_of_day(day_of(now)).format("%Y-%m-%d").to_string();
    html! {
        figure {
            figcaption { (w.t(caption_id)) }
            @if max == 0 {
                p { (w.t("web-chart-empty")) }
            } @else {
                svg.chart viewBox={ "0 0 " (width) " " (height) } role="img" aria-label=(w.t(caption_id)) {
                    @for (i, v) in series.iter().enumerate() {
                        @let h = (v * height + max - 1) / max;
                        rect x=(i as i64 * bar) y=(height - h) width=(bar - 1) height=(h) {
                            title { (date(since(now) + i as i64 * DAY_MS)) ": " (fmt(*v)) }
                        }
                    }
                }
                div.chart-scale { span { (first) } span { "max " (fmt(max)) } span { (last) } }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_land_on_their_day_and_old_ones_drop_out() {
        let now = 1_796_144_400_000; // 2026-12-02 00:00 in Jakarta
        let today = day_of(now);
        let s = by_day(
            now,
            [(today, 3), (today - 29, 2), (today - 30, 9), (today + 1, 7)],
        );
        assert_eq!(s.len(), 30);
        assert_eq!(s[29], 3);
        assert_eq!(s[0], 2);
        assert_eq!(s.iter().sum::<i64>(), 5);
        assert_eq!(day_of(since(now)), today - 29);
        assert_eq!(day_of(since(now) - 1), today - 30);
    }
}
