"""Documents: attachments (vedlegg) that people upload, and receipts."""
