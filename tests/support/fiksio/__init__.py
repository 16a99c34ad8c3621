"""A local Fiks IO for the tests: the real RabbitMQ on this machine, an HTTP fake of the send
endpoint, the account catalogue and Maskinporten (double.py), and a back office that receives
as KS's protocol describes (receiver.py). Written from KS's published protocol, not from the
portal's sender."""
