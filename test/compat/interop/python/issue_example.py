# The program from issue 5, verbatim in its producing half: kafka-python against localhost:9092, ten messages to
# topic `test`, then flush; read back by KafkaConsumer('test', ...). Prints each value read, one per line.
from kafka import KafkaConsumer, KafkaProducer

producer = KafkaProducer(bootstrap_servers='localhost:9092')
for i in range(10):
    producer.send('test', bytes(f'message {i}', 'utf-8'))
producer.flush()

consumer = KafkaConsumer('test', bootstrap_servers='localhost:9092', auto_offset_reset='earliest',
                         consumer_timeout_ms=10000)
for message in consumer:
    print(message.value.decode('utf-8'), flush=True)
    if message.value == b'message 9':
        break
consumer.close()
producer.close()
