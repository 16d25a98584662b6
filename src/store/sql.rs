//! Numbered placeholders (`$1, $2, …`) for statements built for a number of rows or values, the
//! one spelling both SQLite and PostgreSQL accept.

/// `($first, …), (…)`: `rows` tuples of `cols` placeholders, numbered on from `$first`.
pub(crate) fn values(rows: usize, cols: usize, first: usize) -> String {
    let mut s = String::with_capacity(rows * cols * 6);
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        s.push_str(&list(cols, first + r * cols));
        s.push(')');
    }
    s
}

/// `$first, $first+1, …`: `n` placeholders, the list of an `IN (…)`.
pub(crate) fn list(n: usize, first: usize) -> String {
    let mut s = String::with_capacity(n * 5);
    for i in first..first + n {
        if i > first {
            s.push_str(", ");
        }
        s.push('$');
        s.push_str(&i.to_string());
    }
    s
}

/// `(CAST($n AS BIGINT) IS NULL OR column = $n)`: the rows of the kelurahan bound as `$n` (an
/// `Option<KelurahanId>`), or every row when it is bound `None` (the whole deployment: the
/// figures of `/api/stats?kelurahan=all`).
pub(crate) fn in_scope(column: &str, n: usize) -> String {
    format!("(CAST(${n} AS BIGINT) IS NULL OR {column} = ${n})")
}

/// How a column is read from a JSON row (see [`rows_of_json`]).
#[derive(Clone, Copy, Debug)]
pub(crate) enum JsonCell {
    Text,
    BigInt,
    Int,
    Bool,
}

/// `SELECT …, $n+1, … FROM` the rows of a JSON array of arrays bound as `$n` (one parameter for
/// thousands of rows: a multi-row `VALUES` binds a parameter per cell, and SQLite's binding slows
/// with their number), each row's cells read as `cells` says, then `extra` more parameters for
/// every row. SQLite's `json_each` or PostgreSQL's `json_array_elements`; usable as the source of
/// an `INSERT … SELECT … ON CONFLICT` on both.
pub(crate) fn rows_of_json(postgres: bool, n: usize, cells: &[JsonCell], extra: usize) -> String {
    let row = if postgres { "r" } else { "value" };
    let mut list: Vec<String> = cells
        .iter()
        .enumerate()
        .map(|(i, cell)| match (postgres, cell) {
            (false, _) | (true, JsonCell::Text) => format!("{row}->>{i}"),
            (true, JsonCell::BigInt) => format!("({row}->>{i})::bigint"),
            (true, JsonCell::Int) => format!("({row}->>{i})::integer"),
            (true, JsonCell::Bool) => format!("({row}->>{i})::boolean"),
        })
        .collect();
    list.extend((n + 1..=n + extra).map(|i| format!("${i}")));
    if postgres {
        format!(
            "SELECT {} FROM json_array_elements(${n}::json) AS t(r)",
            list.join(", ")
        )
    } else {
        // `WHERE true`: without it SQLite would read the upsert's `ON` as a join's.
        format!("SELECT {} FROM json_each(${n}) WHERE true", list.join(", "))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_numbered_across_rows() {
        assert_eq!(super::values(2, 2, 1), "($1, $2), ($3, $4)");
        assert_eq!(super::values(1, 3, 4), "($4, $5, $6)");
        assert_eq!(super::list(3, 1), "$1, $2, $3");
        assert_eq!(super::list(2, 5), "$5, $6");
        assert_eq!(super::list(0, 1), "");
        assert_eq!(
            super::in_scope("p.kelurahan_id", 2),
            "(CAST($2 AS BIGINT) IS NULL OR p.kelurahan_id = $2)"
        );
        use super::JsonCell::{BigInt, Text};
        assert_eq!(
            super::rows_of_json(true, 1, &[Text, BigInt], 1),
            "SELECT r->>0, (r->>1)::bigint, $2 FROM json_array_elements($1::json) AS t(r)"
        );
        assert_eq!(
            super::rows_of_json(false, 1, &[Text, BigInt], 0),
            "SELECT value->>0, value->>1 FROM json_each($1) WHERE true"
        );
    }
}
