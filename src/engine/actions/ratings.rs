//! `NILAI <order> <1-5>`: the buyer of a paid order rates it once ([`crate::market::reputation`]).

use super::household::linked_person;
use super::{Action, Contract, Ctx, Outcome};
use crate::error::StoreResult;
use crate::market::reputation::{self, RatingError};
use crate::market::status::OrderStatus;
use async_trait::async_trait;

const ORDER: &str = "rated_order";
const BUYER: &str = "_rating_buyer";

/// The order: this buyer's, paid, not yet rated.
pub struct Order;

#[async_trait]
impl Action for Order {
    fn contract(&self) -> Contract {
        Contract {
            writes: &[ORDER, BUYER],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let number: i64 = ctx
            .input
            .as_deref()
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0);
        let Some(me) = linked_person(ctx).await? else {
            return Ok(Outcome::Finish);
        };
        let paid = ctx
            .tx
            .order(number)
            .await?
            .is_some_and(|o| o.buyer_nik == me.nik && o.status == OrderStatus::Paid);
        if !paid {
            ctx.say("rating-order-unknown", &[("order", number.to_string())]);
            return Ok(Outcome::Finish);
        }
        if let Some(stars) = ctx.tx.rating_of(number).await? {
            ctx.say(
                "rating-already",
                &[("order", number.to_string()), ("stars", stars.to_string())],
            );
            return Ok(Outcome::Finish);
        }
        ctx.set(ORDER, number.to_string());
        ctx.set(BUYER, me.nik);
        Ok(Outcome::Next)
    }
}

/// The stars: kept, and thanked for.
pub struct Stars;

#[async_trait]
impl Action for Stars {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[ORDER, BUYER],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let (Some(order), Some(buyer)) = (ctx.value_i64(ORDER), ctx.value(BUYER).map(String::from))
        else {
            return Ok(ctx.missing(ORDER));
        };
        let stars: i64 = ctx
            .input
            .as_deref()
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0);
        match reputation::rate(ctx.tx, &buyer, order, stars, ctx.now).await {
            Ok(merchant) => {
                ctx.say(
                    "rating-saved",
                    &[
                        ("order", order.to_string()),
                        ("stars", stars.to_string()),
                        ("merchant", merchant),
                    ],
                );
                Ok(Outcome::Finish)
            }
            Err(RatingError::Stars) => Ok(Outcome::Reject("rating-stars-invalid", vec![])),
            Err(RatingError::AlreadyRated { stars }) => {
                ctx.say(
                    "rating-already",
                    &[("order", order.to_string()), ("stars", stars.to_string())],
                );
                Ok(Outcome::Finish)
            }
            Err(RatingError::UnknownOrder) => {
                ctx.say("rating-order-unknown", &[("order", order.to_string())]);
                Ok(Outcome::Finish)
            }
            Err(RatingError::Store(e)) => Err(e),
        }
    }
}
