package dev.lockkit.spring.web;

import dev.lockkit.idempotency.ClaimLostException;
import dev.lockkit.idempotency.IdempotencyGuard;
import dev.lockkit.idempotency.IdempotencyKey;
import dev.lockkit.spring.web.IdempotentEndpoints.Endpoint;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;

/**
 * One request to an {@link Idempotent} endpoint, with its key and fingerprint: runs the rest of the filter chain
 * under the guard, or replays the stored response, and answers the guard's refusals.
 */
final class GuardedRequest {
  private static final Logger log = LoggerFactory.getLogger(GuardedRequest.class);

  private final IdempotencyGuard guard;
  private final Endpoint endpoint;
  private final IdempotencyKey key;
  private final String fingerprint;
  /** Whether the handler ran for this request (else its response is a replay). Set on the request's thread. */
  private boolean ran;

  GuardedRequest(IdempotencyGuard guard, Endpoint endpoint, IdempotencyKey key, String fingerprint) {
    this.guard = guard;
    this.endpoint = endpoint;
    this.key = key;
    this.fingerprint = fingerprint;
  }

  void run(HttpServletRequest forward, HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    StoredResponse result;
    try {
      result = guard.execute(key, fingerprint, StoredResponse.CODEC, claim -> handle(forward, response, chain));
    } catch (HandlerFailure failure) {
      // the key was given up; the container (or Spring's error handling) answers the failure as usual
      Throwable cause = failure.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof ServletException servlet) {
        throw servlet;
      }
      throw (RuntimeException) cause;
    } catch (Unstored unstored) {
      log.debug("{} answered {} for {}: not stored, the key is given up", endpoint.name(),
          unstored.response.status(), key);
      unstored.response.writeTo(response, null);
      return;
    } catch (ClaimLostException lost) {
      if (lost.result() instanceof StoredResponse unstored) {
        log.warn("{} ran for {} under token {} but its claim was taken over before its response was stored; the"
            + " response goes to this client, later requests get the newer claim's", endpoint.name(), key,
            lost.fencingToken());
        unstored.writeTo(response, null);
        return;
      }
      throw lost;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      Problems.send(request, response, HttpStatus.SERVICE_UNAVAILABLE, "Interrupted while waiting for a request"
          + " with the same " + IdempotencyKeyFilter.HEADER + "; retry later",
          IdempotencyKeyFilter.retryAfter(Duration.ofSeconds(1)));
      return;
    } catch (RuntimeException e) {
      IdempotencyKeyFilter.refuse(request, response, e, endpoint, key);
      return;
    }
    if (ran) {
      result.writeTo(response, null);
    } else {
      log.debug("{}: replaying the response to {} ({})", endpoint.name(), key, result);
      result.writeTo(response, IdempotencyKeyFilter.REPLAYED_HEADER);
    }
  }

  private StoredResponse handle(HttpServletRequest forward, HttpServletResponse response, FilterChain chain) {
    ran = true;
    CapturingResponse capturing = new CapturingResponse(response);
    try {
      chain.doFilter(forward, capturing);
    } catch (IOException | ServletException | RuntimeException e) {
      throw new HandlerFailure(e);
    }
    if (forward.isAsyncStarted()) {
      throw new HandlerFailure(new IllegalStateException(endpoint.name() + " started asynchronous processing,"
          + " which @Idempotent does not support: its response is not complete when the handler returns"));
    }
    StoredResponse captured = capturing.capture();
    if (endpoint.releases(captured.status())) {
      throw new Unstored(captured);
    }
    return captured;
  }

  /** The handler's failure, carried through the guard (which gives the key up) to be rethrown as it was. */
  private static final class HandlerFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    HandlerFailure(Exception cause) {
      super(cause.toString(), cause, false, false);
    }
  }

  /** A response that gives the key up (5xx, a retry status), carried through the guard to be sent as it is. */
  private static final class Unstored extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient StoredResponse response;

    Unstored(StoredResponse response) {
      super("status " + response.status(), null, false, false);
      this.response = response;
    }
  }
}
