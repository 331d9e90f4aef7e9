# frozen_string_literal: true

require "json"
require "openssl"

# Receives Kiket deliveries and links GitHub activity to issues.
class Handler
  ISSUE_KEY = /\b[A-Z][A-Z0-9]+-\d+\b/

  def initialize(secret)
    @secret = secret
  end

  def verified?(timestamp, body, signature)
    expected = "sha256=" + OpenSSL::HMAC.hexdigest("SHA256", @secret, "#{timestamp}.#{body}")
    Rack::Utils.secure_compare(expected, signature)
  end

  def keys_in(text)
    text.scan(ISSUE_KEY).uniq
  end
end
