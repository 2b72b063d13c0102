#pragma once
// Builds the sink an OutputSpec describes. New sink kinds are added here.

#include <memory>

#include "common/result.hpp"
#include "sinks/output_spec.hpp"
#include "sinks/sink.hpp"

namespace probelog {

Result<std::unique_ptr<Sink>> make_sink(const OutputSpec& spec);

// Only records whose event_type matches `pattern` reach `inner`.
class MatchingSink final : public Sink {
  public:
    MatchingSink(std::string pattern, std::unique_ptr<Sink> inner)
        : pattern_(std::move(pattern)), inner_(std::move(inner)) {}
    void write(const Record& record) override {
        if (match_event_type(pattern_, record.event_type())) inner_->write(record);
    }
    Status flush() override { return inner_->flush(); }
    bool broken() const override { return inner_->broken(); }

  private:
    std::string pattern_;
    std::unique_ptr<Sink> inner_;
};

}  // namespace probelog
