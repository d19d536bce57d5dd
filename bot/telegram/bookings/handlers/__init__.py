"""The booking desk's handlers, thin over :class:`bot.school.BookingDesk`: ``card`` (open a
booking, Back), ``choose`` (Move, Set status), ``typed`` (Referral code, Discount),
``confirm`` (write it)."""
