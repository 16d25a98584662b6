//! Domain enums stored by their stable code: a status, a kind, a relation is `TEXT` on both
//! backends and a Rust enum everywhere else (STYLE: parse, don't validate).
//!
//! A type implements [`Code`] (its codes, written once beside the type) and is named in one
//! [`stored_as_code!`] line, which implements sqlx's `Type`, `Encode` and `Decode` for both
//! backends by way of `&str`. Rows then decode straight into the enum, and a code the enum does
//! not know is a decode error ("stored data is corrupt"), never a silent default.

/// An enum with a stable code per variant, as stored and as the API shows it.
pub trait Code: Sized + Copy + 'static {
    /// What the codes are, for error messages (`"proposal status"`).
    const WHAT: &'static str;
    /// Every variant, in a meaningful order.
    const ALL: &'static [Self];

    /// The stored code: `"terkumpul"`, `"KEPALA KELUARGA"`, `"reserved"`.
    fn code(self) -> &'static str;

    /// The variant with exactly this code.
    fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.code() == code)
    }
}

/// Stores the listed [`Code`] types as `TEXT` on every sqlx backend; shows them (`Display`) and
/// serialises them to JSON as their code. Nothing but the conversion to and from `&str`.
macro_rules! stored_as_code {
    ($($t:ty),* $(,)?) => {$(
        impl<DB: sqlx::Database> sqlx::Type<DB> for $t
        where
            str: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <str as sqlx::Type<DB>>::type_info()
            }
            fn compatible(ty: &DB::TypeInfo) -> bool {
                <str as sqlx::Type<DB>>::compatible(ty)
            }
        }

        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $t
        where
            &'q str: sqlx::Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                let code: &'q str = $crate::store::Code::code(*self);
                <&'q str as sqlx::Encode<'q, DB>>::encode(code, buf)
            }
        }

        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $t
        where
            &'r str: sqlx::Decode<'r, DB>,
        {
            fn decode(
                value: <DB as sqlx::Database>::ValueRef<'r>,
            ) -> Result<Self, sqlx::error::BoxDynError> {
                let code = <&'r str as sqlx::Decode<'r, DB>>::decode(value)?;
                <$t as $crate::store::Code>::from_code(code).ok_or_else(|| {
                    format!(
                        "unknown {} {:?}",
                        <$t as $crate::store::Code>::WHAT,
                        code
                    )
                    .into()
                })
            }
        }

        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str($crate::store::Code::code(*self))
            }
        }

        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str($crate::store::Code::code(*self))
            }
        }

        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let code = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                <$t as $crate::store::Code>::from_code(&code).ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        "unknown {} {code:?}",
                        <$t as $crate::store::Code>::WHAT
                    ))
                })
            }
        }
    )*};
}
pub(crate) use stored_as_code;

#[cfg(test)]
mod tests {
    use super::Code;

    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Colour {
        Red,
        Green,
    }

    impl Code for Colour {
        const WHAT: &'static str = "colour";
        const ALL: &'static [Colour] = &[Colour::Red, Colour::Green];
        fn code(self) -> &'static str {
            match self {
                Colour::Red => "red",
                Colour::Green => "green",
            }
        }
    }

    super::stored_as_code!(Colour);

    #[test]
    fn a_code_is_written_and_read_back_as_its_string() {
        assert_eq!(serde_json::to_string(&Colour::Red).unwrap(), r#""red""#);
        let back: Colour = serde_json::from_str(r#""green""#).unwrap();
        assert_eq!(back, Colour::Green);
        let unknown = serde_json::from_str::<Colour>(r#""blue""#).unwrap_err();
        assert!(
            unknown.to_string().contains("unknown colour \"blue\""),
            "{unknown}"
        );
    }

    #[test]
    fn from_code_is_exact() {
        assert_eq!(Colour::from_code("green"), Some(Colour::Green));
        assert_eq!(Colour::from_code("Green"), None);
        assert_eq!(Colour::from_code(""), None);
    }
}
