"""Who is acting: citizens (ID-porten), staff accounts, national identity numbers."""
