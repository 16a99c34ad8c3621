"""The service desk (Innbyggertorg): helping a person who is present, with or without BankID."""
