//! The main menu's shape per channel: on SMS five groups with short sub-menus (one segment), on
//! WhatsApp one list with the most used items first.

use super::{Action, Contract, Ctx, Outcome};
use crate::error::StoreResult;
use crate::message::Channel;
use async_trait::async_trait;

pub struct ForChannel;

#[async_trait]
impl Action for ForChannel {
    fn contract(&self) -> Contract {
        Contract {
            branches: &["sms", "whatsapp"],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        Ok(Outcome::Branch(match ctx.channel {
            Channel::Sms => "sms",
            Channel::WhatsApp => "whatsapp",
        }))
    }
}
