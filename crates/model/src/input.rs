//! The unvalidated metadata as it arrives from a client: enums as raw codes (0 = unspecified),
//! text as typed. Only [`crate::validate`] turns it into a [`crate::ResourceMetadata`].

#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetadataInput {
    pub classification: ClassificationInput,
    pub name: String,
    pub provider_code: String,
    pub summary: String,
    pub format: FormatInput,
    pub items: Vec<InfoItemInput>,
    pub sharing: SharingInput,
    pub open: OpenInput,
    pub update_cycle: i32,
    pub publish_date: String,
    pub related_codes: Vec<String>,
    pub keywords: Vec<String>,
    pub classified: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClassificationInput {
    pub category: i32,
    pub item: String,
    pub subitem: String,
    pub detail: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FormatInput {
    pub kind: i32,
    pub detail: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct InfoItemInput {
    pub name: String,
    pub data_type: i32,
    pub length: u32,
    /// 0: the entry's share type.
    pub share_type: i32,
    pub description: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SharingInput {
    /// 0: derived from the items when every item has its own.
    pub share_type: i32,
    pub condition: String,
    pub mode: i32,
    pub basis: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct OpenInput {
    pub open_to_public: bool,
    pub condition: String,
}
