//! The synthetic catalogue of the search benchmark, and its query mix. Entries read like a
//! city's: a district's department (公安局, 卫生健康委, …) publishing a subject (户籍人口,
//! 企业登记, 不动产登记, …) as some kind of record (基本信息, 变更记录, …), with 3 to 10 信息项
//! and a summary of a few clauses. Everything is a function of the entry number, so runs
//! compare.

use govshare_model::input::InfoItemInput;
use govshare_model::{
    Category, DataType, ResourceMetadata, ShareType, UpdateCycle, testing::valid_credit_code,
};

const DISTRICTS: &[&str] = &[
    "市",
    "东城区",
    "西城区",
    "朝阳区",
    "海淀区",
    "丰台区",
    "通州区",
    "顺义区",
];
const DEPARTMENTS: &[&str] = &[
    "公安局",
    "卫生健康委",
    "人力资源社会保障局",
    "市场监管局",
    "自然资源局",
    "民政局",
    "教育局",
    "住房城乡建设局",
    "交通运输局",
    "生态环境局",
    "税务局",
    "医疗保障局",
    "退役军人事务局",
    "应急管理局",
    "农业农村局",
    "商务局",
];
const SUBJECTS: &[&str] = &[
    "户籍人口",
    "常住人口",
    "流动人口",
    "社会保险参保",
    "养老保险缴费",
    "失业保险",
    "企业登记",
    "个体工商户登记",
    "食品经营许可",
    "不动产登记",
    "国有建设用地",
    "矿业权",
    "医疗机构",
    "执业医师",
    "出生医学证明",
    "婚姻登记",
    "低保救助",
    "学籍",
    "房屋交易",
    "道路运输许可",
    "排污许可",
    "纳税信用",
    "医保结算",
    "退役军人优抚",
    "安全生产许可",
    "农机购置补贴",
    "外商投资企业",
];
const KINDS: &[&str] = &[
    "基本信息",
    "登记信息",
    "统计信息",
    "变更记录",
    "办理结果",
    "许可信息",
    "年度报告",
    "核验信息",
];
const ITEMS: &[&str] = &[
    "姓名",
    "公民身份号码",
    "出生日期",
    "性别",
    "民族",
    "户籍地址",
    "联系电话",
    "统一社会信用代码",
    "企业名称",
    "法定代表人",
    "注册资本",
    "成立日期",
    "经营范围",
    "登记机关",
    "不动产单元号",
    "权利人",
    "坐落",
    "面积",
    "机构名称",
    "执业许可证号",
    "诊疗科目",
    "床位数",
    "参保险种",
    "缴费基数",
    "缴费月份",
    "证书编号",
    "发证日期",
    "有效期",
];
const PURPOSES: &[&str] = &[
    "用于政务服务身份核验",
    "供各部门办理业务时共享使用",
    "按月汇总更新",
    "数据来源于业务系统",
    "通过共享平台接口提供",
    "支持跨部门业务协同",
    "用于事中事后监管",
    "为社会保障业务提供数据支撑",
];

/// A small deterministic generator (xorshift).
struct Dice(u64);

impl Dice {
    fn new(seed: u64) -> Self {
        Dice(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }
}

/// One providing department: its credit code and name.
#[derive(Debug, Clone)]
pub(super) struct Provider {
    pub code: String,
    pub name: String,
}

/// Every district's every department: 128 providers.
pub(super) fn providers() -> Vec<Provider> {
    let mut all = Vec::with_capacity(DISTRICTS.len() * DEPARTMENTS.len());
    for (d, district) in DISTRICTS.iter().enumerate() {
        for (k, department) in DEPARTMENTS.iter().enumerate() {
            all.push(Provider {
                code: valid_credit_code(u32::try_from(1000 + d * 100 + k).unwrap_or(1000)),
                name: format!("{district}{department}"),
            });
        }
    }
    all
}

/// Entry number `n` of the catalogue, provided by one of `providers`, validated.
pub(super) fn metadata(n: u64, providers: &[Provider]) -> anyhow::Result<ResourceMetadata> {
    let mut dice = Dice::new(n);
    let district = dice.below(DISTRICTS.len());
    let department = dice.below(DEPARTMENTS.len());
    let provider = &providers[(district * DEPARTMENTS.len() + department) % providers.len()];
    let subject = dice.pick(SUBJECTS);
    let kind = dice.pick(KINDS);
    let mut input = govshare_model::testing::sample_input();
    input.classification.category = 1 + dice.below(3) as i32;
    input.classification.item = format!("{:02}", 1 + dice.below(20));
    input.classification.subitem = format!("{:03}", 1 + dice.below(50));
    input.name = format!("{}{subject}{kind}", DISTRICTS[district]);
    input.provider_code = provider.code.clone();
    input.summary = format!(
        "{}的{subject}{kind}，{}，{}。",
        provider.name,
        dice.pick(PURPOSES),
        dice.pick(PURPOSES)
    );
    let mut items: Vec<&str> = (0..3 + dice.below(8)).map(|_| dice.pick(ITEMS)).collect();
    items.sort_unstable();
    items.dedup();
    input.items = items
        .into_iter()
        .map(|name| InfoItemInput {
            name: name.to_owned(),
            data_type: DataType::C.code(),
            length: 50,
            share_type: 0,
            description: String::new(),
        })
        .collect();
    let share_type = ShareType::ALL[dice.below(ShareType::ALL.len())];
    input.sharing.share_type = share_type.code();
    input.sharing.condition = match share_type {
        ShareType::Conditional => "仅限履行法定职责的部门使用".to_owned(),
        _ => String::new(),
    };
    input.sharing.basis = match share_type {
        ShareType::NotShared => "《中华人民共和国个人信息保护法》第三十四条".to_owned(),
        _ => String::new(),
    };
    input.update_cycle = UpdateCycle::ALL[dice.below(UpdateCycle::ALL.len())].code();
    input.keywords = vec![subject.to_owned(), DEPARTMENTS[department].to_owned()];
    let mut metadata = govshare_model::validate(&input)
        .map_err(|e| anyhow::anyhow!("synthetic entry {n} is invalid: {e:?}"))?;
    metadata.provider_name = provider.name.clone();
    Ok(metadata)
}

/// What users type: one or two words, sometimes with a filter.
const QUERIES: &[&str] = &[
    "人口",
    "户籍人口",
    "社会保险",
    "企业登记",
    "不动产登记",
    "医疗机构",
    "婚姻登记",
    "学籍",
    "纳税信用",
    "食品经营许可",
    "低保",
    "排污许可",
    "养老保险",
    "出生医学证明",
    "房屋交易",
    "公积金",
    "海淀区 人口",
    "企业 年度报告",
    "医疗 许可",
    "不动产 变更记录",
    "参保 缴费基数",
    "统一社会信用代码",
    "公安局 户籍",
    "朝阳区 企业登记",
];

/// The filter of a query, if any.
#[derive(Debug, Clone, Default)]
pub(super) struct Filter {
    pub provider: Option<String>,
    pub category: Option<Category>,
    pub share_type: Option<ShareType>,
    pub update_cycle: Option<UpdateCycle>,
}

/// Query number `n` of `worker`: every third has one filter.
pub(super) fn query(worker: usize, n: u64, providers: &[Provider]) -> (&'static str, Filter) {
    let mut dice = Dice::new(((worker as u64) << 40) ^ n);
    let text = dice.pick(QUERIES);
    let mut filter = Filter::default();
    if dice.below(3) == 0 {
        match dice.below(4) {
            0 => filter.category = Some(Category::ALL[dice.below(Category::ALL.len())]),
            1 => filter.share_type = Some(ShareType::ALL[dice.below(ShareType::ALL.len())]),
            2 => {
                filter.update_cycle = Some(UpdateCycle::ALL[dice.below(UpdateCycle::ALL.len())]);
            }
            _ => filter.provider = Some(providers[dice.below(providers.len())].code.clone()),
        }
    }
    (text, filter)
}

/// The texts of the mix, for reporting.
pub(super) fn query_texts() -> &'static [&'static str] {
    QUERIES
}
