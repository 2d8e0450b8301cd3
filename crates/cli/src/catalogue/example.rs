//! The worked example of the shipped template (deploy/examples/catalogue-template.xlsx and its
//! CSV twin): 人口基础信息 with three 信息项, filled in the way a department would.
//!
//! 提供方代码 is left empty, so the example imports as an entry of whichever department
//! imports it.

use crate::proto::{
    Category, Classification, DataType, FormatKind, InfoItem, OpenAttributes, ResourceFormat,
    ResourceMetadata, ShareMode, ShareType, SharingAttributes, UpdateCycle,
};

/// The example entry.
pub fn entry() -> ResourceMetadata {
    let item =
        |name: &str, data_type: DataType, length: u32, share_type: i32, description: &str| {
            InfoItem {
                name: name.into(),
                data_type: data_type as i32,
                length,
                share_type,
                description: description.into(),
            }
        };
    ResourceMetadata {
        classification: Some(Classification {
            category: Category::Base as i32,
            item: "01".into(),
            subitem: "001".into(),
            detail: String::new(),
        }),
        name: "人口基础信息".into(),
        provider_code: String::new(),
        provider_name: String::new(),
        summary: "本市户籍人口和登记在册的常住人口的基本信息，包括公民身份号码、姓名和出生日期，由\
                  公安机关户籍管理业务产生，每日汇总更新。"
            .into(),
        format: Some(ResourceFormat {
            kind: FormatKind::Database as i32,
            detail: "Dm".into(),
        }),
        items: vec![
            item(
                "公民身份号码",
                DataType::C,
                18,
                ShareType::Conditional as i32,
                "18位公民身份号码（GB 11643）",
            ),
            item("姓名", DataType::C, 50, ShareType::Conditional as i32, ""),
            item(
                "出生日期",
                DataType::D,
                8,
                ShareType::NotShared as i32,
                "依《个人信息保护法》不予共享",
            ),
        ],
        sharing: Some(SharingAttributes {
            share_type: ShareType::Conditional as i32,
            condition:
                "仅限依法履行人口管理、社会保障、公共服务职责的部门使用，需经提供部门审核同意。"
                    .into(),
            mode: ShareMode::PlatformInterface as i32,
            basis: String::new(),
        }),
        open: Some(OpenAttributes {
            open_to_public: false,
            condition: String::new(),
        }),
        update_cycle: UpdateCycle::Daily as i32,
        publish_date: "2024-03-15".into(),
        related_codes: vec!["101002/000001".into()],
        keywords: vec!["人口".into(), "户籍".into(), "身份证".into()],
        classified: false,
    }
}
