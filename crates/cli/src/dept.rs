//! `govshare dept`: registering and listing departments (AdminService).

use crate::connect::{self, ClientOpts};
use crate::proto::{
    CreateDepartmentRequest, Department, ListDepartmentsRequest, ListDepartmentsResponse,
};
use crate::{PageArgs, output, pages};

#[derive(Debug, clap::Subcommand)]
pub enum DeptCommand {
    /// Register a department (ADMIN).
    Create {
        /// 统一社会信用代码 (18 characters, check digit verified).
        #[arg(long, value_name = "CREDIT_CODE")]
        code: String,
        /// Department name.
        #[arg(long)]
        name: String,
        /// 6-digit 行政区划代码.
        #[arg(long, value_name = "REGION6")]
        region: String,
        /// The parent department's credit code.
        #[arg(long, value_name = "CREDIT_CODE")]
        parent: Option<String>,
    },
    /// List departments, ordered by credit code.
    List(PageArgs),
}

pub async fn run(cmd: DeptCommand, opts: &ClientOpts) -> anyhow::Result<()> {
    let mut admin = connect::open(opts).await?.admin();
    match cmd {
        DeptCommand::Create {
            code,
            name,
            region,
            parent,
        } => {
            let request = CreateDepartmentRequest {
                code,
                name,
                region_code: region,
                parent_code: parent.unwrap_or_default(),
            };
            let dept = admin.create_department(request).await?.into_inner();
            output::emit(opts.output, &dept, |d| {
                output::record(dept_rows(d)).to_string()
            })
        }
        DeptCommand::List(page) => {
            let (departments, next_page_token) = pages(
                page.all,
                page.page_token.unwrap_or_default(),
                |page_token| {
                    let mut admin = admin.clone();
                    let request = ListDepartmentsRequest {
                        page_size: page.page_size,
                        page_token,
                    };
                    async move {
                        let response = admin.list_departments(request).await?.into_inner();
                        Ok((response.departments, response.next_page_token))
                    }
                },
            )
            .await?;
            let all = ListDepartmentsResponse {
                departments,
                next_page_token,
            };
            output::emit(opts.output, &all, departments_table)?;
            output::note_next_page(opts.output, &all.next_page_token);
            Ok(())
        }
    }
}

fn dept_rows(d: &Department) -> Vec<(&'static str, String)> {
    vec![
        ("统一社会信用代码", d.code.clone()),
        ("名称", d.name.clone()),
        ("行政区划代码", d.region_code.clone()),
        ("上级部门", output::or_dash(&d.parent_code)),
        ("创建时间", output::time(d.created_at.as_ref())),
    ]
}

fn departments_table(list: &ListDepartmentsResponse) -> String {
    let mut table = output::table([
        "统一社会信用代码",
        "名称",
        "行政区划",
        "上级部门",
        "创建时间",
    ]);
    for d in &list.departments {
        table.add_row(vec![
            d.code.clone(),
            d.name.clone(),
            d.region_code.clone(),
            output::or_dash(&d.parent_code),
            output::time(d.created_at.as_ref()),
        ]);
    }
    table.to_string()
}
