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
    }
}
