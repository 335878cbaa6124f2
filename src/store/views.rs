//! The `views` store: record views waiting to be reported to the audit log, and those
//! the server refused, kept with its reason so none is silently lost.

use super::{codec, schema, Store, StoreError};
use crate::views::{View, ViewsRecorded};
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use portal_desk_core::signing::ViewFacts;

impl Store {
    /// Keeps a view, signed by its viewer (when their key is in memory), to be reported
    /// at the next sync.
    pub async fn record_view(&self, mut view: View) -> Result<(), StoreError> {
        if let Some(key) = self.op_key_of(&view.by) {
            let facts = ViewFacts {
                id: &view.id,
                device: self.device(),
                record: &view.record,
                by: &view.by,
                at_ms: view.at_ms,
                reason: view.reason.as_deref(),
            };
            view.signature = Some(key.sign_view(&facts).map_err(|_| StoreError::CannotSign)?);
        }
        let tx = self.person_tx(schema::VIEWS)?;
        let views = tx.object_store(schema::VIEWS)?;
        codec::put(&views, view.id.as_str(), &view).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every view kept on the device, waiting or refused.
    pub async fn views(&self) -> Result<Vec<View>, StoreError> {
        let tx = self.db().transaction(schema::VIEWS).build()?;
        codec::get_all(&tx.object_store(schema::VIEWS)?).await
    }

    /// Up to `limit` views waiting to be reported; refused ones are not sent again.
    pub async fn pending_views(&self, limit: u32) -> Result<Vec<View>, StoreError> {
        let all = self.views().await?;
        Ok(all.into_iter().filter(|v| v.refused.is_none()).take(limit as usize).collect())
    }

    /// Takes in the server's answer to a report of `sent`, in one transaction: refused
    /// views stay with the reason; the rest were recorded, now or before, and go.
    pub async fn settle_views(&self, sent: &[View], answer: &ViewsRecorded) -> Result<(), StoreError> {
        let tx = self.db().transaction(schema::VIEWS).with_mode(TransactionMode::Readwrite).build()?;
        let views = tx.object_store(schema::VIEWS)?;
        for view in sent {
            match answer.refused.iter().find(|r| r.view == view.id) {
                Some(refused) => {
                    let kept = View { refused: Some(refused.reason.clone()), ..view.clone() };
                    codec::put(&views, view.id.as_str(), &kept).await?;
                }
                None => views.delete(view.id.as_str()).primitive()?.await?,
            }
        }
        tx.commit().await?;
        Ok(())
    }
}
