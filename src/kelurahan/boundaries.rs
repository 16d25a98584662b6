//! The kelurahan's RW boundaries (issue 15): a GeoJSON file the kelurahan uploads, so that the
//! problem map draws each RW's indicators as a map rather than a grid of tiles.
//! 1. A `FeatureCollection` whose features are `Polygon`s or `MultiPolygon`s in longitude and
//!    latitude (RFC 7946), each naming its RW in a property `rw` (or `RW`, `no_rw`, `nomor_rw`;
//!    or a `name`/`nama` such as "RW 03"): `3`, `03` and `RW03` are RW `03`.
//! 2. Every feature is checked; the first that fails names itself (its place in the file) and
//!    why, and nothing is kept. An RW drawn twice is one RW of two shapes.
//! 3. At most [`MAX_POINTS`] points in all (a kelurahan's RWs are drawn with far fewer; a file
//!    traced at survey precision should be simplified first).

use crate::broadcast::parse_rw;
use geojson::{GeoJson, Value};
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// The most points a boundary file may hold.
pub const MAX_POINTS: usize = 100_000;

/// A ring of `(longitude, latitude)` points.
pub type Ring = Vec<(f64, f64)>;

/// The RWs' shapes: for each RW its polygons, each an outer ring then its holes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Boundaries {
    pub rw: BTreeMap<String, Vec<Vec<Ring>>>,
}

/// Why a boundary file cannot be used.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum BoundaryError {
    #[error("not GeoJSON: {0}")]
    NotGeoJson(String),
    #[error("not a FeatureCollection")]
    NotCollection,
    #[error("no RW shape in the file")]
    Empty,
    #[error("feature {feature}: not a Polygon or MultiPolygon")]
    NotPolygon { feature: usize },
    #[error("feature {feature}: no property naming its RW")]
    NoRw { feature: usize },
    #[error("feature {feature}: a point is not a longitude and latitude")]
    BadPoint { feature: usize },
    #[error("more than {MAX_POINTS} points")]
    TooManyPoints,
}

/// The names of the property that may hold the RW, in the order looked at.
const RW_KEYS: [&str; 8] = [
    "rw", "RW", "no_rw", "NO_RW", "nomor_rw", "name", "nama", "NAMA",
];

/// The RW a feature's properties name.
fn rw_of(props: Option<&serde_json::Map<String, Json>>) -> Option<String> {
    let props = props?;
    RW_KEYS.iter().find_map(|k| {
        let text = match props.get(*k)? {
            Json::String(s) => s.clone(),
            Json::Number(n) => n.to_string(),
            _ => return None,
        };
        let upper = text.to_uppercase();
        // "RW 03", "Rw. 3", "RW03 Sukamaju": the digits after "RW"; a bare "03" as it is.
        let after = upper
            .split_once("RW")
            .map_or(upper.as_str(), |(_, rest)| rest);
        let digits: String = after
            .trim_start_matches(|c: char| !c.is_ascii_digit())
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        parse_rw(&digits)
    })
}

fn ring(points: &[Vec<f64>], feature: usize) -> Result<Ring, BoundaryError> {
    points
        .iter()
        .map(|p| match p.as_slice() {
            [lon, lat, ..]
                if lon.is_finite()
                    && lat.is_finite()
                    && (-180.0..=180.0).contains(lon)
                    && (-90.0..=90.0).contains(lat) =>
            {
                Ok((*lon, *lat))
            }
            _ => Err(BoundaryError::BadPoint { feature }),
        })
        .collect()
}

/// Reads and checks a boundary file.
pub fn parse(bytes: &[u8]) -> Result<Boundaries, BoundaryError> {
    let text = std::str::from_utf8(bytes).map_err(|e| BoundaryError::NotGeoJson(e.to_string()))?;
    let geo: GeoJson = text
        .parse()
        .map_err(|e: geojson::Error| BoundaryError::NotGeoJson(e.to_string()))?;
    let GeoJson::FeatureCollection(fc) = geo else {
        return Err(BoundaryError::NotCollection);
    };
    let mut out = Boundaries::default();
    let mut points = 0usize;
    for (i, f) in fc.features.iter().enumerate() {
        let feature = i + 1;
        let polygons: Vec<&Vec<Vec<Vec<f64>>>> = match f.geometry.as_ref().map(|g| &g.value) {
            Some(Value::Polygon(p)) => vec![p],
            Some(Value::MultiPolygon(m)) => m.iter().collect(),
            _ => return Err(BoundaryError::NotPolygon { feature }),
        };
        let rw = rw_of(f.properties.as_ref()).ok_or(BoundaryError::NoRw { feature })?;
        let shapes = out.rw.entry(rw).or_default();
        for polygon in polygons {
            let rings = polygon
                .iter()
                .map(|r| ring(r, feature))
                .collect::<Result<Vec<Ring>, _>>()?;
            points += rings.iter().map(Vec::len).sum::<usize>();
            if points > MAX_POINTS {
                return Err(BoundaryError::TooManyPoints);
            }
            if rings.first().is_some_and(|outer| outer.len() >= 3) {
                shapes.push(rings);
            }
        }
    }
    out.rw.retain(|_, shapes| !shapes.is_empty());
    if out.rw.is_empty() {
        return Err(BoundaryError::Empty);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(rw: &str, x: f64) -> String {
        format!(
            r#"{{"type":"Feature","properties":{{"nama":"{rw}"}},"geometry":{{"type":"Polygon",
            "coordinates":[[[{x},-6.2],[{x1},-6.2],[{x1},-6.21],[{x},-6.21],[{x},-6.2]]]}}}}"#,
            x1 = x + 0.01
        )
    }

    fn collection(features: &[String]) -> Vec<u8> {
        format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            features.join(",")
        )
        .into_bytes()
    }

    #[test]
    fn each_rw_is_read_from_its_name() {
        let b = parse(&collection(&[
            square("RW 01 Sukamaju", 106.8),
            square("Rw.2", 106.81),
            square("03", 106.82),
        ]))
        .unwrap();
        let rws: Vec<&str> = b.rw.keys().map(String::as_str).collect();
        assert_eq!(rws, ["01", "02", "03"]);
        assert_eq!(b.rw["01"][0][0].len(), 5);
    }

    #[test]
    fn a_bad_feature_is_named_and_nothing_is_kept() {
        let no_rw = square("Balai", 106.8);
        assert_eq!(
            parse(&collection(&[square("RW 01", 106.8), no_rw])),
            Err(BoundaryError::NoRw { feature: 2 })
        );
        let point = r#"{"type":"Feature","properties":{"rw":"01"},"geometry":{"type":"Point","coordinates":[106.8,-6.2]}}"#;
        assert_eq!(
            parse(&collection(&[point.to_string()])),
            Err(BoundaryError::NotPolygon { feature: 1 })
        );
        let far = square("RW 01", 250.0);
        assert_eq!(
            parse(&collection(&[far])),
            Err(BoundaryError::BadPoint { feature: 1 })
        );
        assert!(matches!(
            parse(b"{ not json"),
            Err(BoundaryError::NotGeoJson(_))
        ));
        assert_eq!(
            parse(br#"{"type":"Point","coordinates":[1,2]}"#),
            Err(BoundaryError::NotCollection)
        );
        assert_eq!(parse(&collection(&[])), Err(BoundaryError::Empty));
    }
}
