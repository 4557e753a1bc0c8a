//! The live schema as the database reports it: tables, their columns and
//! each column's type family. Tests use it to hold the two engines to one
//! schema and to check that every table holding people's data has a
//! lifecycle hook.

use serde::Serialize;

use super::{Backend, SqlStore};
use crate::Result;

/// What a column holds, in words both engines map to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum TypeFamily {
    Integer,
    Real,
    Text,
    /// Raw bytes (photos).
    Blob,
    /// A type the migrations do not use.
    Other,
}

impl TypeFamily {
    fn of(declared: &str) -> TypeFamily {
        match declared.trim().to_ascii_lowercase().as_str() {
            "integer" | "bigint" | "int" | "int8" | "smallint" => TypeFamily::Integer,
            "real" | "double precision" | "float8" | "double" => TypeFamily::Real,
            "text" | "character varying" | "varchar" => TypeFamily::Text,
            "blob" | "bytea" => TypeFamily::Blob,
            _ => TypeFamily::Other,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Column {
    pub name: String,
    pub family: TypeFamily,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Table {
    pub name: String,
    /// In name order, so two engines compare equal whatever the order of
    /// `ALTER TABLE ... ADD COLUMN`.
    pub columns: Vec<Column>,
}

impl Table {
    pub fn has_column(&self, name: &str) -> bool {
        self.columns.iter().any(|c| c.name == name)
    }
}

/// One column of one table, as the catalog tells it.
#[derive(sqlx::FromRow)]
struct CatalogRow {
    table_name: String,
    column_name: String,
    data_type: String,
}

impl SqlStore {
    /// Every table of the application (the engine's own catalog left out),
    /// in name order.
    pub async fn schema(&self) -> Result<Vec<Table>> {
        let rows = match self.backend {
            Backend::Sqlite => {
                sqlx::query_as::<_, CatalogRow>(
                    "SELECT m.name AS table_name, p.name AS column_name, p.type AS data_type \
                     FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
                )
                .fetch_all(&self.pool)
                .await?
            }
            Backend::Postgres => {
                sqlx::query_as::<_, CatalogRow>(
                    "SELECT CAST(c.table_name AS TEXT) AS table_name, CAST(c.column_name AS TEXT) AS column_name, \
                     CAST(c.data_type AS TEXT) AS data_type FROM information_schema.columns c \
                     JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
                     WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'",
                )
                .fetch_all(&self.pool)
                .await?
            }
        };
        let mut tables: Vec<Table> = Vec::new();
        for r in rows {
            let column = Column { name: r.column_name, family: TypeFamily::of(&r.data_type) };
            match tables.iter_mut().find(|t| t.name == r.table_name) {
                Some(t) => t.columns.push(column),
                None => tables.push(Table { name: r.table_name, columns: vec![column] }),
            }
        }
        for t in &mut tables {
            t.columns.sort();
        }
        tables.sort();
        Ok(tables)
    }
}
