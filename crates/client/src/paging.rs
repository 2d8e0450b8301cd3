//! Paging through a List call: [`Pager`] follows `next_page_token` page by page, and stops on
//! an empty token (the last page) or a token the server repeats (a server that would loop).
//!
//! ```no_run
//! # async fn example(client: govshare_client::Client) -> Result<(), govshare_client::Error> {
//! use futures::TryStreamExt as _;
//! use govshare_client::Pager;
//! use govshare_client::proto::ListEntriesRequest;
//!
//! let catalog = client.catalog();
//! let entries: Vec<_> = Pager::new("", |page_token| {
//!     let mut catalog = catalog.clone();
//!     async move {
//!         let page = catalog
//!             .list_entries(ListEntriesRequest { page_token, ..Default::default() })
//!             .await?
//!             .into_inner();
//!         Ok::<_, govshare_client::Error>((page.entries, page.next_page_token))
//!     }
//! })
//! .items()
//! .try_collect()
//! .await?;
//! # Ok(())
//! # }
//! ```

use std::future::Future;

use futures::{Stream, StreamExt as _};

/// Pages of a List call: `fetch` takes a page token and gives that page's items and the next
/// page token.
#[derive(Debug)]
pub struct Pager<F> {
    fetch: F,
    /// The token of the next page to fetch; after the last page, the token the server gave
    /// with it.
    token: String,
    done: bool,
}

impl<F, Fut, T, E> Pager<F>
where
    F: FnMut(String) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, String), E>>,
{
    /// The pages from `first_token` on (empty: from the first page).
    pub fn new(first_token: impl Into<String>, fetch: F) -> Pager<F> {
        Pager {
            fetch,
            token: first_token.into(),
            done: false,
        }
    }

    /// The items of the next page; `None` after the last page or an error.
    pub async fn next_page(&mut self) -> Option<Result<Vec<T>, E>> {
        if self.done {
            return None;
        }
        match (self.fetch)(self.token.clone()).await {
            Ok((items, next)) => {
                self.done = next.is_empty() || next == self.token;
                self.token = next;
                Some(Ok(items))
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }

    /// The token the server gave with the last page fetched: where a later walk can go on
    /// from, or empty when the list is complete.
    pub fn next_page_token(&self) -> &str {
        &self.token
    }

    /// Whether the last page was fetched (or a fetch failed).
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Every remaining item, page after page.
    pub async fn collect_all(&mut self) -> Result<Vec<T>, E> {
        let mut all = Vec::new();
        while let Some(page) = self.next_page().await {
            all.extend(page?);
        }
        Ok(all)
    }

    /// The remaining items one by one, fetching pages as they are needed; an error ends the
    /// stream.
    pub fn items(self) -> impl Stream<Item = Result<T, E>> {
        futures::stream::unfold(self, |mut pager| async move {
            let page = pager.next_page().await?;
            Some((page, pager))
        })
        .flat_map(|page| match page {
            Ok(items) => futures::stream::iter(items.into_iter().map(Ok)).left_stream(),
            Err(e) => futures::stream::once(std::future::ready(Err(e))).right_stream(),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use futures::TryStreamExt as _;

    use super::*;

    /// A list of pages by token: `("", ["a"], "t1")`: asked with "", it gives `a` and "t1".
    fn pages(
        book: Vec<(&'static str, Vec<u32>, &'static str)>,
    ) -> impl FnMut(String) -> std::future::Ready<Result<(Vec<u32>, String), String>> {
        move |token| {
            std::future::ready(
                book.iter()
                    .find(|(t, _, _)| *t == token)
                    .map(|(_, items, next)| (items.clone(), (*next).to_string()))
                    .ok_or(format!("no page {token}")),
            )
        }
    }

    #[tokio::test]
    async fn follows_the_tokens_to_the_last_page() {
        let book = vec![
            ("", vec![1, 2], "t1"),
            ("t1", vec![3], "t2"),
            ("t2", vec![4], ""),
        ];
        let mut pager = Pager::new("", pages(book.clone()));
        assert_eq!(pager.collect_all().await.unwrap(), [1, 2, 3, 4]);
        assert_eq!(pager.next_page_token(), "");
        let items: Vec<u32> = Pager::new("t1", pages(book))
            .items()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(items, [3, 4]);
    }

    #[tokio::test]
    async fn stops_on_a_repeated_token_and_keeps_it() {
        let book = vec![("", vec![1], "t1"), ("t1", vec![2], "t1")];
        let mut pager = Pager::new("", pages(book));
        assert_eq!(pager.collect_all().await.unwrap(), [1, 2]);
        assert_eq!(pager.next_page_token(), "t1");
        assert!(pager.next_page().await.is_none());
    }

    #[tokio::test]
    async fn one_page_at_a_time_tells_where_to_go_on() {
        let book = vec![("", vec![1], "t1"), ("t1", vec![2], "")];
        let mut pager = Pager::new("", pages(book));
        assert_eq!(pager.next_page().await.unwrap().unwrap(), [1]);
        assert_eq!(pager.next_page_token(), "t1");
        assert!(!pager.is_done());
    }

    #[tokio::test]
    async fn an_error_ends_the_walk() {
        let book = vec![("", vec![1], "gone")];
        let items: Vec<Result<u32, String>> = Pager::new("", pages(book)).items().collect().await;
        assert_eq!(items, [Ok(1), Err("no page gone".to_string())]);
    }
}
