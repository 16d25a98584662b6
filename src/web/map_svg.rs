//! The problem map drawn from the kelurahan's RW boundaries ([`crate::kelurahan::boundaries`]):
//! inline SVG, no script, no tiles from a map server (none is reachable from every kelurahan, and
//! none is needed to compare RWs). Each RW is shaded by one indicator (five steps, darker is
//! more) and labelled with its number and value. Points are projected on the kelurahan's own
//! latitude (equirectangular: at a kelurahan's size the error is far below a pixel) and rounded
//! to a tenth of a pixel, consecutive equal points dropped: the drawing's size is bound by the
//! picture, not by how finely the file was traced.

use crate::kelurahan::boundaries::{Boundaries, Ring};
use maud::{html, Markup};
use std::fmt::Write;

/// The drawing's width in SVG units (it scales to the screen).
const WIDTH: f64 = 340.0;
/// The tallest drawing.
const MAX_HEIGHT: f64 = 440.0;
/// The shades, lightest first.
const SHADES: [&str; 5] = ["#f1f5ee", "#c7e3c0", "#8cc58a", "#4b9a5b", "#1f5f3a"];

/// Which of the [`SHADES`] `value` takes when `max` is the largest value drawn.
fn step(value: i64, max: i64) -> usize {
    if max <= 0 || value <= 0 {
        return 0;
    }
    ((value * 4 + max - 1) / max).clamp(1, 4) as usize
}

/// The darker shades, on which a label is written light.
const DARK_FROM: usize = 3;

/// How lon/lat become drawing units.
struct Projection {
    min_x: f64,
    max_y: f64,
    scale: f64,
    cos_lat: f64,
    height: f64,
}

impl Projection {
    fn of(b: &Boundaries) -> Option<Projection> {
        let points = || b.rw.values().flatten().flatten().flatten();
        let (mut min_lon, mut max_lon, mut min_lat, mut max_lat) =
            (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for (lon, lat) in points() {
            min_lon = min_lon.min(*lon);
            max_lon = max_lon.max(*lon);
            min_lat = min_lat.min(*lat);
            max_lat = max_lat.max(*lat);
        }
        if min_lon > max_lon {
            return None;
        }
        let cos_lat = ((min_lat + max_lat) / 2.0).to_radians().cos();
        let w = ((max_lon - min_lon) * cos_lat).max(1e-9);
        let h = (max_lat - min_lat).max(1e-9);
        let scale = (WIDTH / w).min(MAX_HEIGHT / h);
        Some(Projection {
            min_x: min_lon * cos_lat,
            max_y: max_lat,
            scale,
            cos_lat,
            height: (h * scale).ceil(),
        })
    }

    fn point(&self, (lon, lat): (f64, f64)) -> (f64, f64) {
        let x = (lon * self.cos_lat - self.min_x) * self.scale;
        let y = (self.max_y - lat) * self.scale;
        ((x * 10.0).round() / 10.0, (y * 10.0).round() / 10.0)
    }
}

/// The SVG path of every shape of one RW.
fn shapes_path(p: &Projection, shapes: &[Vec<Ring>]) -> String {
    let mut d = String::new();
    for rings in shapes {
        path(p, rings, &mut d);
    }
    d
}

/// The SVG path of `rings` (an outer ring and its holes; drawn even-odd).
fn path(p: &Projection, rings: &[Ring], out: &mut String) {
    for ring in rings {
        let mut last = None;
        for (i, pt) in ring.iter().enumerate() {
            let xy = p.point(*pt);
            if last == Some(xy) {
                continue;
            }
            let _ = write!(out, "{}{} {}", if i == 0 { "M" } else { "L" }, xy.0, xy.1);
            last = Some(xy);
        }
        out.push('Z');
    }
}

/// The middle of a shape's largest outer ring (by its points), for the label.
fn label_at(p: &Projection, shapes: &[Vec<Ring>]) -> Option<(f64, f64)> {
    let outer = shapes
        .iter()
        .filter_map(|s| s.first())
        .max_by_key(|r| r.len())?;
    let n = outer.len() as f64;
    let (sx, sy) = outer.iter().fold((0.0, 0.0), |(x, y), pt| {
        let (px, py) = p.point(*pt);
        (x + px, y + py)
    });
    Some((sx / n, sy / n))
}

/// The map: each RW of `values` (RW → the indicator's value) that has a shape, shaded; RWs
/// with a shape and no value (outside the officer's scope) drawn blank and unlabelled. `title`
/// is the picture's accessible name.
pub fn map(b: &Boundaries, values: &[(String, i64)], title: &str) -> Markup {
    let Some(p) = Projection::of(b) else {
        return html! {};
    };
    let max = values.iter().map(|(_, v)| *v).max().unwrap_or(0);
    let value_of = |rw: &str| values.iter().find(|(r, _)| r == rw).map(|(_, v)| *v);
    html! {
        svg.map viewBox={ "0 0 " (WIDTH) " " (p.height) } role="img" aria-label=(title) {
            title { (title) }
            @for (rw, shapes) in &b.rw {
                @let value = value_of(rw);
                g data-rw=(rw) {
                    path d=(shapes_path(&p, shapes)) fill=(value.map_or("#ffffff", |v| SHADES[step(v, max)])) fill-rule="evenodd" stroke="#4a514d" stroke-width="0.8" {}
                    @if let (Some(v), Some((x, y))) = (value, label_at(&p, shapes)) {
                        text.on-dark[step(v, max) >= DARK_FROM] x=(format!("{x:.1}")) y=(format!("{y:.1}")) text-anchor="middle" {
                            "RW " (rw) ": " (v)
                        }
                    }
                }
            }
        }
    }
}

/// The legend of [`map`]: the five shades from 0 to `max`.
pub fn legend(max: i64) -> Markup {
    html! {
        p.legend {
            @for (i, s) in SHADES.iter().enumerate() {
                span.swatch style={ "background:" (s) } {}
                @if i == 0 { " 0 " } @else if i == SHADES.len() - 1 { " " (max) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn darker_is_more_and_zero_is_lightest() {
        assert_eq!(step(0, 10), 0);
        assert_eq!(step(1, 10), 1);
        assert_eq!(step(10, 10), 4);
        assert_eq!(step(6, 10), 3);
        assert_eq!(step(5, 0), 0);
    }

    #[test]
    fn a_finely_traced_ring_draws_no_more_points_than_the_picture_holds() {
        // 10,000 points along one edge of a 100 m square: most round to the same tenth of a pixel.
        let mut ring: Ring = (0..10_000)
            .map(|i| (106.8 + 0.001 * f64::from(i) / 10_000.0, -6.2))
            .collect();
        ring.extend([(106.801, -6.201), (106.8, -6.201), (106.8, -6.2)]);
        let mut b = Boundaries::default();
        b.rw.insert("01".into(), vec![vec![ring]]);
        let svg = map(&b, &[("01".into(), 3)], "x").into_string();
        assert!(svg.len() < 40_000, "{} bytes", svg.len());
        assert!(svg.contains("RW 01: 3"));
        assert!(
            svg.contains(r#"stroke-width="0.8"></path><text"#),
            "a path is closed, or the label inside it is never drawn: {svg}"
        );
    }
}
