//! Paying a reserved order (`PESAN`, after the PIN): the market's rule around the ledger's one
//! payment path.
//!
//! The order must still be reserved and within its hold ([`super::ORDER_HOLD_MS`]). The buyer
//! then pays the order's amount to the listing's merchant through [`pay`] under the order's
//! key ([`keys::order`]), and in the same unit of work the order is marked paid, its quantity
//! leaves the stock, and the seller's notice is written. The order's row is held meanwhile, so
//! the expiry job never expires an order being paid. Paying again under the same key pays
//! nothing more: it answers the first payment, and nobody is told twice.

use super::notify::notice_to_person;
use super::{MarketError, MarketResult, OrderStatus};
use crate::config::Config;
use crate::i18n::Texts;
use crate::ledger::keys;
use crate::ledger::payment::{pay, Payment, PaymentRequest};
use crate::message::Outbound;
use crate::store::{Listing, Order, Tx};
use rust_decimal::Decimal;

/// Order `id` as it may be paid at `now`: still reserved, its hold not over. Holds its row until
/// the end of the unit of work.
pub async fn payable_order(tx: &mut Tx, id: i64, now: i64) -> MarketResult<Order> {
    let order = held_order(tx, id).await?;
    if !is_payable(&order, now) {
        return Err(MarketError::OrderTooLate);
    }
    Ok(order)
}

/// Order `id`, its row held until the end of the unit of work.
async fn held_order(tx: &mut Tx, id: i64) -> MarketResult<Order> {
    tx.lock_order(id).await?;
    tx.order(id).await?.ok_or(MarketError::UnknownOrder)
}

/// Still reserved and its hold not over.
fn is_payable(order: &Order, now: i64) -> bool {
    order.status == OrderStatus::Reserved && order.expires_at > now
}

/// What [`pay_order`] did.
#[derive(Clone, Debug)]
pub struct PaidOrder {
    /// The order, now paid.
    pub order: Order,
    pub listing: Listing,
    /// The payment (for a repeated key, the first one).
    pub payment: Payment,
    /// This call marked the order paid and took the stock; false when it already was paid.
    pub fresh: bool,
    /// The seller's `order-paid-seller`, to send with the unit of work (fresh only, and when
    /// the seller has a linked phone).
    pub seller_notice: Option<Outbound>,
    /// Buyer and seller as each is told of the other: name, RT, RW (never a NIK).
    pub buyer: (String, String, String),
    pub seller: (String, String, String),
}

impl PaidOrder {
    /// The arguments of the paid order's texts, the buyer's and the seller's.
    pub fn args(&self) -> [(&'static str, String); 10] {
        [
            ("order", self.order.id.to_string()),
            ("qty", self.order.qty.to_string()),
            ("listing_name", self.listing.name.clone()),
            ("listing_code", self.order.listing.clone()),
            ("buyer", self.buyer.0.clone()),
            ("buyer_rt", self.buyer.1.clone()),
            ("buyer_rw", self.buyer.2.clone()),
            ("seller", self.seller.0.clone()),
            ("seller_rt", self.seller.1.clone()),
            ("seller_rw", self.seller.2.clone()),
        ]
    }
}

/// Pays order `id` from its buyer's wallet, with the payment terms of `config`.
pub async fn pay_order(
    tx: &mut Tx,
    texts: &Texts,
    config: &Config,
    id: i64,
    now: i64,
) -> MarketResult<PaidOrder> {
    let key = keys::order(id);
    let order = held_order(tx, id).await?;
    let already_paid =
        order.status == OrderStatus::Paid && order.transfer_key.as_deref() == Some(key.as_str());
    if !already_paid && !is_payable(&order, now) {
        return Err(MarketError::OrderTooLate);
    }
    let listing = tx
        .listing(&order.listing, now)
        .await?
        .ok_or(MarketError::UnknownListing)?;
    let payment = pay(
        tx,
        &PaymentRequest {
            payer_nik: &order.buyer_nik,
            merchant_code: &listing.merchant,
            amount: order.amount,
            key: &key,
            social_fund_percent: Decimal::from(config.social_fund_percent),
            minor_limit: config.minor_payment_limit,
            now,
        },
    )
    .await?;
    let buyer = super::notify::who(tx, &order.buyer_nik).await?;
    let seller = super::notify::who(tx, &listing.seller_nik).await?;
    let mut paid = PaidOrder {
        order,
        listing,
        payment,
        fresh: false,
        seller_notice: None,
        buyer,
        seller,
    };
    if already_paid {
        return Ok(paid);
    }
    // The row is held since `payable_order`: nothing else finished it meanwhile.
    if !tx
        .finish_order(id, OrderStatus::Paid, Some(&key), now)
        .await?
    {
        return Err(MarketError::OrderTooLate);
    }
    tx.take_stock(&paid.order.listing, paid.order.qty).await?;
    paid.order.status = OrderStatus::Paid;
    paid.order.transfer_key = Some(key);
    paid.fresh = true;
    let args = paid.args();
    paid.seller_notice = notice_to_person(
        tx,
        texts,
        &paid.listing.seller_nik,
        "order-paid-seller",
        &args,
    )
    .await?;
    tracing::info!(order = id, listing = %paid.order.listing, "order paid");
    Ok(paid)
}
