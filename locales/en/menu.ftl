menu-prompt = Gotong menu. Reply with a number:
menu-language = Bahasa / Language
menu-optout = Stop news
menu-ask = Ask the kelurahan
menu-change-pin = Change PIN
menu-optin = Start news
language-prompt = Pilih bahasa / Choose language:
language-id = Bahasa Indonesia
language-en = English
language-done = Language changed to English. Type MENU to see the options.

# The SMS main menu's groups (one segment) and their sub-menus (issue 17).
menu-group-money = Money
menu-group-proposals = Proposals
menu-group-market = Market
menu-group-data = Data
menu-group-more = More
menu-money-prompt = Money. Reply with a number:
menu-proposals-prompt = Proposals. Reply with a number:
menu-market-prompt = Market. Reply with a number:
menu-data-prompt = Data. Reply with a number:
menu-more-prompt = More. Reply with a number:

# Opt-out asks once (issue 17).
optout-confirm = Stop receiving broadcasts and general news? Replies, payments, loans and news about your own proposals or orders still come.
optout-kept = All right, broadcasts and news keep coming.
optout-done = You will no longer receive broadcasts and general news. Replies and news about your own matters still come. Type START to receive them again.
optin-done = You will receive broadcasts and news again. Type STOP to stop.
