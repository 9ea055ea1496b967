//! How the domain's coded enums are stored: as their text code, in a
//! VARCHAR column. The one mapping between a state and its stored form;
//! entities use the enums themselves, so no code outside the domain spells
//! a state as a string.

use crate::domain::codes::{AccountStatus, OutboxStatus, Role};
use crate::domain::link::{LinkOrigin, LinkPurpose, RevokeReason};
use crate::domain::search_terms::TermKind;
use crate::domain::verdict::CardStatus;
use crate::domain::{Language, MailTemplate, SelfServiceOutcome};

/// Implements SeaORM's value traits for an enum with `code()` and
/// `FromStr` (what `DeriveValueType` writes for string-backed types, for
/// types defined in the domain).
macro_rules! stored_as_code {
    ($($ty:ty),+ $(,)?) => {$(
        impl From<$ty> for sea_orm::Value {
            fn from(v: $ty) -> Self {
                v.code().into()
            }
        }

        impl sea_orm::TryGetable for $ty {
            fn try_get_by<I: sea_orm::ColIdx>(
                res: &sea_orm::QueryResult,
                idx: I,
            ) -> Result<Self, sea_orm::TryGetError> {
                let text = String::try_get_by(res, idx)?;
                text.parse::<$ty>().map_err(|e| {
                    sea_orm::TryGetError::DbErr(sea_orm::DbErr::TryIntoErr {
                        from: "String",
                        into: stringify!($ty),
                        source: std::sync::Arc::new(e),
                    })
                })
            }
        }

        impl sea_orm::sea_query::ValueType for $ty {
            fn try_from(v: sea_orm::Value) -> Result<Self, sea_orm::sea_query::ValueTypeErr> {
                let text = <String as sea_orm::sea_query::ValueType>::try_from(v)?;
                text.parse::<$ty>().map_err(|_| sea_orm::sea_query::ValueTypeErr)
            }

            fn type_name() -> String {
                stringify!($ty).to_owned()
            }

            fn array_type() -> sea_orm::sea_query::ArrayType {
                sea_orm::sea_query::ArrayType::String
            }

            fn column_type() -> sea_orm::sea_query::ColumnType {
                sea_orm::sea_query::ColumnType::String(sea_orm::sea_query::StringLen::None)
            }
        }

        impl sea_orm::sea_query::Nullable for $ty {
            fn null() -> sea_orm::Value {
                sea_orm::Value::String(None)
            }
        }

        impl sea_orm::IntoActiveValue<$ty> for $ty {
            fn into_active_value(self) -> sea_orm::ActiveValue<$ty> {
                sea_orm::ActiveValue::Set(self)
            }
        }
    )+};
}

stored_as_code!(
    AccountStatus,
    OutboxStatus,
    Role,
    LinkOrigin,
    LinkPurpose,
    RevokeReason,
    TermKind,
    CardStatus,
    Language,
    MailTemplate,
    SelfServiceOutcome,
);
