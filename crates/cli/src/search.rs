//! `govshare entry search`: full-text search of the published catalogue (SearchEntries), with
//! the ListEntries filters; the hits with their highlighted words, then the facet counts.

use std::fmt::Write as _;

use crate::connect::{self, ClientOpts};
use crate::entry::CatalogueFilterArgs;
use crate::output::{self, or_dash};
use crate::proto::{SearchEntriesRequest, SearchEntriesResponse};
use crate::{PageArgs, pages};

/// Options of `entry search`.
#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// Words to look for, in Chinese or English, or a resource code (empty: every published
    /// entry, by code).
    #[arg(default_value = "")]
    query: String,
    #[command(flatten)]
    filter: CatalogueFilterArgs,
    #[command(flatten)]
    page: PageArgs,
}

/// Facet names as the table shows them.
fn facet_title(field: &str) -> &str {
    match field {
        "category" => "分类 (category)",
        "share_type" => "共享类型 (share type)",
        "provider" => "提供方 (provider)",
        "update_cycle" => "更新周期 (update cycle)",
        other => other,
    }
}

/// `<em>人口</em>` as `【人口】`, which reads on any terminal.
fn marked(fragment: &str) -> String {
    fragment
        .replace("<em>", "【")
        .replace("</em>", "】")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The hits as a table, then one line per facet.
pub fn view(response: &SearchEntriesResponse) -> String {
    let mut table = output::table(["信息资源代码", "名称", "提供方", "得分", "匹配"]);
    for hit in &response.hits {
        let entry = hit.entry.clone().unwrap_or_default();
        let m = entry.metadata.unwrap_or_default();
        let provider = if m.provider_name.is_empty() {
            entry.provider_code
        } else {
            m.provider_name
        };
        let matched: Vec<String> = hit
            .highlights
            .iter()
            .map(|h| format!("{}: {}", h.field, marked(&h.fragment)))
            .collect();
        table.add_row(vec![
            entry.code,
            or_dash(&m.name),
            or_dash(&provider),
            format!("{:.2}", hit.score),
            or_dash(&matched.join("\n")),
        ]);
    }
    let mut text = if response.hits.is_empty() && response.total == 0 {
        "未找到匹配的已发布目录 (no published entry matches)\n".to_owned()
    } else {
        format!(
            "{table}\n共 {} 条 (matching entries: {})\n",
            response.total, response.total
        )
    };
    for facet in &response.facets {
        if facet.counts.is_empty() {
            continue;
        }
        let counts: Vec<String> = facet
            .counts
            .iter()
            .map(|c| format!("{} {}", or_dash(&c.label), c.count))
            .collect();
        // Writing to a String cannot fail.
        let _ = writeln!(
            text,
            "{}: {}",
            facet_title(&facet.field),
            counts.join(" · ")
        );
    }
    text
}

pub async fn run(args: SearchArgs, opts: &ClientOpts) -> anyhow::Result<()> {
    let catalog = connect::open(opts).await?.catalog();
    let request = SearchEntriesRequest {
        query: args.query,
        provider_code: args.filter.provider.unwrap_or_default(),
        category: args.filter.category.unwrap_or(0),
        share_type: args.filter.share_type.unwrap_or(0),
        update_cycle: args.filter.update_cycle.unwrap_or(0),
        page_size: args.page.page_size,
        page_token: String::new(),
    };
    // Each page whole: the total and the facets are the last page's.
    let first = args.page.page_token.unwrap_or_default();
    let (responses, next_page_token) = pages(args.page.all, first, |page_token| {
        let mut catalog = catalog.clone();
        let request = SearchEntriesRequest {
            page_token,
            ..request.clone()
        };
        async move {
            let mut response = catalog.search_entries(request).await?.into_inner();
            let next = std::mem::take(&mut response.next_page_token);
            Ok((vec![response], next))
        }
    })
    .await?;
    let mut all = SearchEntriesResponse {
        next_page_token,
        ..Default::default()
    };
    for response in responses {
        all.hits.extend(response.hits);
        all.total = response.total;
        all.facets = response.facets;
    }
    output::emit(opts.output, &all, view)?;
    output::note_next_page(opts.output, &all.next_page_token);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_read_on_a_terminal_and_entities_are_undone() {
        assert_eq!(
            marked("常住<em>人口</em> &lt;a&gt; &amp; &quot;b&quot;"),
            "常住【人口】 <a> & \"b\""
        );
    }
}
