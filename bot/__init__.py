"""workshop-bot: workshop evaluations in Telegram, in Arabic, French and English."""
