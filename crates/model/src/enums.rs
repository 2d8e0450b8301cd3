//! The coded values of the guideline (分类、共享类型、共享方式、格式、数据类型、更新周期) and of the
//! service (entry states, roles): numeric code, English name and Chinese label for each.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What every coded enum offers, so validation and diff can treat them alike.
pub(crate) trait CodeEnum: Copy + 'static {
    const ALL: &'static [Self];
    /// What the value is, for messages: (中文, English).
    const WHAT: (&'static str, &'static str);
    fn from_code(code: i32) -> Option<Self>;
    fn code(self) -> i32;
    fn name(self) -> &'static str;
    fn label_zh(self) -> &'static str;
}

/// "1 基础、2 主题、3 部门" and "1 BASE, 2 THEME, 3 DEPARTMENT": the choices, for messages.
pub(crate) fn choices<E: CodeEnum>() -> (String, String) {
    let zh: Vec<String> = E::ALL
        .iter()
        .map(|e| format!("{} {}", e.code(), e.label_zh()))
        .collect();
    let en: Vec<String> = E::ALL
        .iter()
        .map(|e| format!("{} {}", e.code(), e.name()))
        .collect();
    (zh.join("、"), en.join(", "))
}

/// "有条件共享(2)": how a coded value reads to a person.
pub(crate) fn display<E: CodeEnum>(e: E) -> String {
    format!("{}({})", e.label_zh(), e.code())
}

/// Labels may be typed with ASCII or full-width parentheses; compare them alike.
fn fold_parens(s: &str) -> String {
    s.replace('(', "（").replace(')', "）")
}

fn parse_label<E: CodeEnum>(s: &str) -> Option<E> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().ok().and_then(E::from_code);
    }
    let folded = fold_parens(s);
    E::ALL
        .iter()
        .copied()
        .find(|e| e.name().eq_ignore_ascii_case(s) || fold_parens(e.label_zh()) == folded)
}

macro_rules! code_enum {
    (
        $(#[$doc:meta])*
        $ty:ident ($what_zh:literal, $what_en:literal) {
            $( $(#[$vdoc:meta])* $variant:ident = $code:literal, $name:literal, $zh:literal; )+
        }
    ) => {
        $(#[$doc])*
        ///
        /// Ordered by code. Serialized as its English name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $ty {
            $( $(#[$vdoc])* #[doc = $zh] $variant = $code, )+
        }

        impl $ty {
            /// Every value, in code order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];
            const NAMES: &'static [&'static str] = &[$($name),+];

            /// The value with this numeric code; `None` for 0 (unspecified) and unknown codes.
            pub fn from_code(code: i32) -> Option<Self> {
                match code {
                    $($code => Some(Self::$variant),)+
                    _ => None,
                }
            }

            /// The numeric code used on the wire.
            pub fn code(self) -> i32 {
                self as i32
            }

            /// The English name, UPPER_SNAKE.
            pub fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)+
                }
            }

            /// The Chinese label used by the guideline.
            pub fn label_zh(self) -> &'static str {
                match self {
                    $(Self::$variant => $zh,)+
                }
            }

            /// Reads the code as text ("2"), the English name in any case ("conditional") or
            /// the Chinese label ("有条件共享").
            pub fn parse_label(s: &str) -> Option<Self> {
                parse_label(s)
            }
        }

        impl CodeEnum for $ty {
            const ALL: &'static [Self] = $ty::ALL;
            const WHAT: (&'static str, &'static str) = ($what_zh, $what_en);
            fn from_code(code: i32) -> Option<Self> {
                $ty::from_code(code)
            }
            fn code(self) -> i32 {
                $ty::code(self)
            }
            fn name(self) -> &'static str {
                $ty::name(self)
            }
            fn label_zh(self) -> &'static str {
                $ty::label_zh(self)
            }
        }

        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.name())
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = String::deserialize(deserializer)?;
                Self::ALL
                    .iter()
                    .copied()
                    .find(|e| e.name() == s)
                    .ok_or_else(|| serde::de::Error::unknown_variant(&s, Self::NAMES))
            }
        }
    };
}

code_enum! {
    /// 信息资源分类的类: the first digit of a classification code.
    Category ("类", "category") {
        Base = 1, "BASE", "基础";
        Theme = 2, "THEME", "主题";
        Department = 3, "DEPARTMENT", "部门";
    }
}

code_enum! {
    /// 共享类型. A lower code is more open.
    ShareType ("共享类型", "share type") {
        Unconditional = 1, "UNCONDITIONAL", "无条件共享";
        Conditional = 2, "CONDITIONAL", "有条件共享";
        NotShared = 3, "NOT_SHARED", "不予共享";
    }
}

impl ShareType {
    /// 0 is the most open; the entry's type is the most open of its items' types.
    pub fn openness_rank(self) -> u8 {
        match self {
            Self::Unconditional => 0,
            Self::Conditional => 1,
            Self::NotShared => 2,
        }
    }

    /// The most open of `types`, `None` when there are none.
    pub fn most_open(types: impl IntoIterator<Item = ShareType>) -> Option<ShareType> {
        types.into_iter().min_by_key(|t| t.openness_rank())
    }
}

code_enum! {
    /// 共享方式: through the platform, or where it cannot serve, off it.
    ShareMode ("共享方式", "share mode") {
        PlatformDatabase = 1, "PLATFORM_DATABASE", "共享平台（数据库）";
        PlatformInterface = 2, "PLATFORM_INTERFACE", "共享平台（接口）";
        PlatformFile = 3, "PLATFORM_FILE", "共享平台（文件）";
        Email = 4, "EMAIL", "邮件";
        Disk = 5, "DISK", "拷盘";
        Media = 6, "MEDIA", "介质交换";
    }
}

code_enum! {
    /// 信息资源格式的类型.
    FormatKind ("格式类型", "format kind") {
        ElectronicFile = 1, "ELECTRONIC_FILE", "电子文件";
        Spreadsheet = 2, "SPREADSHEET", "电子表格";
        Database = 3, "DATABASE", "数据库";
        Image = 4, "IMAGE", "图形图像";
        StreamingMedia = 5, "STREAMING_MEDIA", "流媒体";
        SelfDescribing = 6, "SELF_DESCRIBING", "自描述格式";
        Other = 7, "OTHER", "其他";
    }
}

impl FormatKind {
    /// The formats the guideline lists for this kind, in its spelling; empty when the detail
    /// is free text (自描述格式, 其他).
    pub fn allowed_details(self) -> &'static [&'static str] {
        match self {
            Self::ElectronicFile => &[
                "OFD", "wps", "xml", "txt", "doc", "docx", "html", "pdf", "ppt",
            ],
            Self::Spreadsheet => &["et", "xls", "xlsx"],
            Self::Database => &[
                "Dm",
                "KingbaseES",
                "access",
                "dbf",
                "dbase",
                "sysbase",
                "oracle",
                "sqlserver",
                "db2",
            ],
            Self::Image => &["jpg", "gif", "bmp"],
            Self::StreamingMedia => &["swf", "rm", "mpg"],
            Self::SelfDescribing | Self::Other => &[],
        }
    }
}

code_enum! {
    /// 信息项数据类型; the name is the guideline's one-letter code.
    DataType ("数据类型", "data type") {
        C = 1, "C", "字符型";
        N = 2, "N", "数值型";
        Y = 3, "Y", "货币型";
        D = 4, "D", "日期型";
        T = 5, "T", "日期时间型";
        L = 6, "L", "逻辑型";
        M = 7, "M", "备注型";
        G = 8, "G", "通用型";
        B = 9, "B", "双精度型";
        I = 10, "I", "整型";
        F = 11, "F", "浮点型";
    }
}

code_enum! {
    /// 更新周期.
    UpdateCycle ("更新周期", "update cycle") {
        Realtime = 1, "REALTIME", "实时";
        Daily = 2, "DAILY", "每日";
        Weekly = 3, "WEEKLY", "每周";
        Monthly = 4, "MONTHLY", "每月";
        Quarterly = 5, "QUARTERLY", "每季度";
        HalfYearly = 6, "HALF_YEARLY", "每半年";
        Yearly = 7, "YEARLY", "每年";
        Irregular = 8, "IRREGULAR", "不定期";
    }
}

code_enum! {
    /// Where an entry is in its lifecycle.
    EntryState ("目录状态", "entry state") {
        Draft = 1, "DRAFT", "已创建";
        PendingPublish = 2, "PENDING_PUBLISH", "发布待审核";
        Published = 3, "PUBLISHED", "已发布";
        PublishRejected = 4, "PUBLISH_REJECTED", "发布已驳回";
        PendingRevoke = 5, "PENDING_REVOKE", "撤销待审核";
        Revoked = 6, "REVOKED", "已撤销";
    }
}

code_enum! {
    /// What a user may do; administration, audit and operation are kept apart (GB/T 39477).
    Role ("角色", "role") {
        Admin = 1, "ADMIN", "平台管理员";
        Cataloguer = 2, "CATALOGUER", "目录编制员";
        Approver = 3, "APPROVER", "共享审核员";
        Consumer = 4, "CONSUMER", "数据使用方";
        Auditor = 5, "AUDITOR", "审计员";
    }
}

impl Role {
    /// ADMIN and AUDITOR: roles of the platform, held only by credentials without a
    /// department, so that no department administers or audits itself (GB/T 39477).
    pub fn is_platform(self) -> bool {
        matches!(self, Role::Admin | Role::Auditor)
    }
}

code_enum! {
    /// Where a sharing request (共享申请) is.
    RequestState ("申请状态", "request state") {
        Pending = 1, "PENDING", "待答复";
        Approved = 2, "APPROVED", "已同意";
        Rejected = 3, "REJECTED", "已拒绝";
        Withdrawn = 4, "WITHDRAWN", "已撤回";
    }
}

code_enum! {
    /// Whether a grant (授权) authorizes anything, as of a given instant.
    GrantState ("授权状态", "grant state") {
        Active = 1, "ACTIVE", "有效";
        Expired = 2, "EXPIRED", "已过期";
        Revoked = 3, "REVOKED", "已撤销";
    }
}

code_enum! {
    /// How the entry's current published version departs from the version a grant was
    /// issued against.
    GrantFlagKind ("授权提示", "grant flag") {
        ItemRemoved = 1, "ITEM_REMOVED", "信息项已删除";
        ItemRetyped = 2, "ITEM_RETYPED", "信息项类型已变更";
        ItemNotShared = 3, "ITEM_NOT_SHARED", "信息项已改为不予共享";
        EntryWithdrawn = 4, "ENTRY_WITHDRAWN", "目录已撤销或不予共享";
    }
}
