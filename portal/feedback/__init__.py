"""'Was this page useful?': a small feedback form on the information pages.

It is also the reference use of the form kit: a step per question, a check-your-answers page
with change links, and a confirmation page.
"""
