//! A snapshot column: one 信息项 of the entry, with the type its values are checked against.

use govshare_model::{DataType, InfoItem};

/// One 信息项 as a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub data_type: DataType,
    /// The item's length (characters for 字符型); 0 means unbounded.
    pub length: u32,
}

impl From<&InfoItem> for Column {
    fn from(item: &InfoItem) -> Self {
        Column {
            name: item.name.clone(),
            data_type: item.data_type,
            length: item.length,
        }
    }
}
