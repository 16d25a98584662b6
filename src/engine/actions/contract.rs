//! What an action may do with a flow's values: the values it reads (steps of its flow, or values
//! other actions wrote), the values it writes, and the branch names it can return.
//!
//! The declaration sits with the action ([`super::Action::contract`], required), and two checks
//! keep it true:
//! 1. at run time, every read, write and branch goes through [`Running`], which reports one
//!    outside the contract (a panic in debug builds, so the transcript suite — which runs every
//!    action — proves the declarations; an error log naming flow, step and action in release);
//! 2. at load (and `gotong check`), `engine::check` proves each flow gives its actions what their
//!    contracts read and names every branch they can return.

/// An action's declared use of the flow's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Contract {
    /// Values read — by the code, or shown by a message it says (`{ $count }`): step names,
    /// engine values (`_args`), or values other actions write.
    pub reads: &'static [&'static str],
    /// Values written into the flow's values (for later actions and prompts).
    pub writes: &'static [&'static str],
    /// Names of the `on` table entries the action can return ([`super::Outcome::Branch`]).
    pub branches: &'static [&'static str],
}

impl Contract {
    /// Reads nothing, writes nothing, never branches (for `..Contract::NONE`).
    pub const NONE: Contract = Contract {
        reads: &[],
        writes: &[],
        branches: &[],
    };
}

/// The action running now, where, and under which contract.
#[derive(Clone, Copy, Debug)]
pub struct Running<'a> {
    pub flow: &'a str,
    pub step: &'a str,
    pub action: &'a str,
    pub contract: Contract,
}

impl Running<'_> {
    pub fn check_read(&self, key: &str) {
        if !self.contract.reads.contains(&key) {
            self.breach("reads", key);
        }
    }

    pub fn check_write(&self, key: &str) {
        if !self.contract.writes.contains(&key) {
            self.breach("writes", key);
        }
    }

    pub fn check_branch(&self, branch: &str) {
        if !self.contract.branches.contains(&branch) {
            self.breach("returns branch", branch);
        }
    }

    /// An action did something its contract does not declare.
    fn breach(&self, what: &str, name: &str) {
        tracing::error!(
            flow = self.flow,
            step = self.step,
            action = self.action,
            "action {what} {name:?}, which its contract does not declare"
        );
        debug_assert!(
            false,
            "flow {} step {}: action {} {what} {name:?}, which its contract does not declare",
            self.flow, self.step, self.action
        );
    }
}

#[cfg(test)]
mod tests {
    use super::{Contract, Running};

    fn running() -> Running<'static> {
        Running {
            flow: "pay",
            step: "amount",
            action: "pay_amount",
            contract: Contract {
                reads: &["amount"],
                writes: &["amount_text"],
                branches: &["more"],
            },
        }
    }

    #[test]
    fn what_the_contract_declares_passes() {
        let r = running();
        r.check_read("amount");
        r.check_write("amount_text");
        r.check_branch("more");
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "action pay_amount reads \"jumlah\"")]
    fn an_undeclared_read_fails_in_debug_builds() {
        running().check_read("jumlah");
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "action pay_amount writes \"balance_after\"")]
    fn an_undeclared_write_fails_in_debug_builds() {
        running().check_write("balance_after");
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "action pay_amount returns branch \"less\"")]
    fn an_undeclared_branch_fails_in_debug_builds() {
        running().check_branch("less");
    }
}
