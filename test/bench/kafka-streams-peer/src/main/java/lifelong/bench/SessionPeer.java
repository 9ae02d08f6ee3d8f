package lifelong.bench;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.SessionWindows;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.WindowedSerdes;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * Per-user sessions of UserEvents (raw Avro, as lifelong's producers write them): a
 * 30-minute inactivity gap on event time (the record's ts field), 5 minutes of grace
 * (lifelong's allowed lateness), a count per event type, and only closed sessions
 * written out — what lifelong's session-metrics topology computes before its metrics.
 *
 * Usage: SessionPeer bootstrap inputTopic applicationId stateDir userEventSchema.avsc
 * Runs until SIGTERM; the bench measures it by its committed offsets.
 */
public final class SessionPeer {
  private static final Duration GAP = Duration.ofMinutes(30);
  private static final Duration GRACE = Duration.ofMinutes(5);

  public static void main(String[] args) throws Exception {
    if (args.length != 5) throw new IllegalArgumentException("usage: SessionPeer bootstrap inputTopic applicationId stateDir schema.avsc");
    String bootstrap = args[0];
    String topic = args[1];
    String applicationId = args[2];
    Schema schema = new Schema.Parser().parse(new File(args[4]));
    int types = schema.getField("type").schema().getEnumSymbols().size();

    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(StreamsConfig.STATE_DIR_CONFIG, args[3]);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    // One processing thread, like lifelong's one event loop per process.
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    props.put(StreamsConfig.DEFAULT_TIMESTAMP_EXTRACTOR_CLASS_CONFIG, EventTime.class);
    // A single-node broker: internal topics (changelogs, repartition) with one replica.
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");

    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(topic, Consumed.with(Serdes.String(), Serdes.serdeFrom(SessionPeer::readOnly, new UserEventDeserializer(schema))))
        .mapValues(event -> ((GenericData.EnumSymbol) event.get("type")).toString())
        .mapValues(symbol -> schema.getField("type").schema().getEnumOrdinal(symbol))
        .groupByKey(Grouped.with(Serdes.String(), Serdes.Integer()))
        .windowedBy(SessionWindows.ofInactivityGapAndGrace(GAP, GRACE))
        .aggregate(
            () -> new long[types],
            (user, type, counts) -> {
              counts[type]++;
              return counts;
            },
            (user, left, right) -> {
              long[] merged = new long[types];
              for (int i = 0; i < types; i++) merged[i] = left[i] + right[i];
              return merged;
            },
            Materialized.with(Serdes.String(), countsSerde()))
        .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()))
        .toStream()
        .to(applicationId + ".sessions", Produced.with(WindowedSerdes.sessionWindowedSerdeFrom(String.class), countsSerde()));

    KafkaStreams streams = new KafkaStreams(builder.build(), props);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      streams.close(Duration.ofSeconds(20));
      stopped.countDown();
    }));
    streams.setUncaughtExceptionHandler(error -> {
      error.printStackTrace();
      return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_APPLICATION;
    });
    streams.start();
    System.out.println("{\"started\":true}");
    stopped.await();
  }

  /** The input is only read: its serde's serializer is never called. */
  private static byte[] readOnly(String topic, GenericRecord event) {
    throw new UnsupportedOperationException("the peer never writes UserEvents");
  }

  /** The event's own time (the ts field), as lifelong's session windows use. */
  public static final class EventTime implements TimestampExtractor {
    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
      return (Long) ((GenericRecord) record.value()).get("ts");
    }
  }

  /** Decodes the whole record, every field, as lifelong's codec does. */
  static final class UserEventDeserializer implements Deserializer<GenericRecord> {
    private final GenericDatumReader<GenericRecord> reader;
    private BinaryDecoder decoder;

    UserEventDeserializer(Schema schema) {
      this.reader = new GenericDatumReader<>(schema);
    }

    @Override
    public GenericRecord deserialize(String topic, byte[] bytes) {
      try {
        decoder = DecoderFactory.get().binaryDecoder(bytes, decoder);
        return reader.read(null, decoder);
      } catch (IOException e) {
        throw new IllegalArgumentException("undecodable UserEvent", e);
      }
    }
  }

  static Serde<long[]> countsSerde() {
    return Serdes.serdeFrom(
        (topic, counts) -> {
          ByteBuffer buffer = ByteBuffer.allocate(counts.length * Long.BYTES);
          for (long c : counts) buffer.putLong(c);
          return buffer.array();
        },
        (topic, bytes) -> {
          ByteBuffer buffer = ByteBuffer.wrap(bytes);
          long[] counts = new long[bytes.length / Long.BYTES];
          for (int i = 0; i < counts.length; i++) counts[i] = buffer.getLong();
          return counts;
        });
  }
}
