//! Reading an LDAP directory page by page: a streaming search under the
//! paged-results control, handed out in pages of entries.

use super::ldap::{LdapDirectory, PAGE_SIZE, refused_unless_ok, unavailable};
use super::{DirectoryError, Page, Pager};
use ldap3::SearchEntry;

/// A paged read in progress.
pub(super) struct LdapPager<'a> {
    pub(super) directory: &'a LdapDirectory,
    pub(super) stream: Option<ldap3::SearchStream<'static, String, Vec<String>>>,
}

#[async_trait::async_trait]
impl Pager for LdapPager<'_> {
    async fn next_page(&mut self) -> Result<Option<Page>, DirectoryError> {
        let Some(stream) = self.stream.as_mut() else {
            return Ok(None);
        };
        let mut page = Vec::new();
        while page.len() < PAGE_SIZE as usize {
            match stream.next().await {
                Ok(Some(raw)) => {
                    if let Some(entry) = self.directory.entry(SearchEntry::construct(raw)) {
                        page.push(entry);
                    }
                }
                Ok(None) => {
                    let res = self.stream.take().expect("present").finish().await;
                    refused_unless_ok(&res)?;
                    break;
                }
                Err(e) => {
                    self.stream = None;
                    self.directory.reset().await;
                    return Err(unavailable(self.directory.url(), e));
                }
            }
        }
        Ok((!page.is_empty() || self.stream.is_some()).then_some(page))
    }
}
